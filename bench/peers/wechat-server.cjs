// The node-webot `wechat` middleware on express doing wxpub's job as closely as it can:
// verify the signature (or msg_signature, and decrypt), parse the message, answer a
// keyword from a small table (a news article for a known keyword, a text otherwise).
const express = require("express");
const wechat = require("wechat");

const [port, token, appid, aesKey] = process.argv.slice(2);
const table = {
  "个人信息": { title: "公安部公布十起侵犯公民个人信息违法犯罪典型案例", description: "近日，公安部公布了2019年以来公安机关侦破的10起侵犯公民个人信息违法犯罪典型案例。", picurl: "http://mmbiz.qpic.cn/cover", url: "https://mp.weixin.qq.com/s/sample135" },
  "contact tracing": { title: "Apple and Google Partner on COVID-19 Contact Tracing Technology", description: "On April 10, 2020, Apple and Google were announcing a joint effort…", picurl: "http://mmbiz.qpic.cn/cover", url: "https://mp.weixin.qq.com/s/sample135" },
  "区块链": { title: "国家发展改革委、中央网信办联合印发实施方案", description: "支持探索大数据、人工智能、云计算、数字孪生、5G、物联网和区块链等新一代数字技术应用", picurl: "http://mmbiz.qpic.cn/cover", url: "https://mp.weixin.qq.com/s/sample135" },
};
const app = express();
app.use("/wechat", wechat({ token, appid, encodingAESKey: aesKey, checkSignature: true }, (req, res) => {
  const q = (req.weixin.Content || "").trim().toLowerCase();
  const hit = table[q];
  if (hit) res.reply([hit]);
  else res.reply("没有找到与“" + q + "”相关的内容。发送“最新”查看最新一期。");
}));
app.listen(+port, "127.0.0.1");
