// Drives the sandbox through two independently written Node SDKs, for wechat/sdk's tests:
//   node conformance.mjs api     runs a publish run's calls and prints, per endpoint, what
//                                the SDK decoded ({"value": …} or {"error": "…"});
//   node conformance.mjs events  reads the XML files named in EVENT_FILES (one per line)
//                                with node-easywechat's server and prints each message.
// co-wechat-api has typed calls for tokens, media, materials, mass sends, customer-service
// messages, menus and analytics; it predates the draft box and free publishing, which are
// driven through node-easywechat's client with its own stable_token. Environment:
// SANDBOX_URL, APP_ID, APP_SECRET, OPEN_ID, COVER_PNG.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

const require = createRequire(import.meta.url);
const WechatAPI = require('co-wechat-api');
const { OfficialAccount, ServerRequest } = require('node-easywechat');

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};

// MemoryCache is node-easywechat's CacheInterface held in memory.
class MemoryCache {
  constructor() { this.items = new Map(); }
  async get(key) { const it = this.items.get(key); return it && it.until > Date.now() ? it.data : null; }
  async has(key) { return (await this.get(key)) !== null; }
  async set(key, data, lifetime = 1500) { this.items.set(key, { data, until: Date.now() + lifetime * 1000 }); return true; }
  async delete(key) { return this.items.delete(key); }
}

async function api() {
  const base = env('SANDBOX_URL');
  const out = {};
  const step = async (endpoint, sdk, fn) => {
    try {
      const value = await fn();
      // node-easywechat's client hands back an answer with a non-zero errcode as a value.
      if (value && value.errcode) throw new Error(`errcode ${value.errcode}: ${value.errmsg}`);
      out[endpoint] = { sdk, value };
    } catch (err) {
      out[endpoint] = { sdk, error: String(err && err.message || err) };
    }
    return out[endpoint].value;
  };

  // co-wechat-api builds https://api.weixin.qq.com URLs (some hard-coded, as datacube's):
  // every request it makes goes through request(), where they are pointed at the sandbox.
  const cw = new WechatAPI(env('APP_ID'), env('APP_SECRET'));
  const request = cw.request.bind(cw);
  cw.request = (url, opts, retry) => request(url.replace(/^https?:\/\/(file\.)?api\.weixin\.qq\.com\//, base + '/'), opts, 0);

  const ne = new OfficialAccount({
    app_id: env('APP_ID'), secret: env('APP_SECRET'), token: 'unused', aes_key: '',
    use_stable_access_token: true, http: { baseURL: base + '/' },
  });
  // Its default cache is a file that outlives the run: a token from an earlier sandbox would
  // be reused (and, 40001 not being retried by it, fail). A fresh cache per run.
  ne.setCache(new MemoryCache());
  const client = ne.getClient();
  const post = async (path, body) => (await client.postJson(path, body)).toObject();
  const get = async (path) => (await client.get(path)).toObject();

  await step('/cgi-bin/token', 'co-wechat-api', async () => { const t = await cw.getAccessToken(); return { accessToken: t.accessToken, expireTime: t.expireTime }; });
  await step('/cgi-bin/stable_token', 'node-easywechat', async () => ({ access_token: await ne.getAccessToken().getToken() }));
  await step('/cgi-bin/media/uploadimg', 'co-wechat-api', () => cw.uploadImage(env('COVER_PNG')));
  const cover = await step('/cgi-bin/material/add_material', 'co-wechat-api', () => cw.uploadMaterial(env('COVER_PNG'), 'image'));
  await step('/cgi-bin/material/batchget_material', 'co-wechat-api', () => cw.getMaterials('image', 0, 20));

  const article = { title: '第135期', author: '立方', digest: '摘要', content: '<p>正文</p>', thumb_media_id: cover && cover.media_id, need_open_comment: 0, only_fans_can_comment: 0 };
  const draft = await step('/cgi-bin/draft/add', 'node-easywechat', () => post('cgi-bin/draft/add', { articles: [article] }));
  const mediaID = draft && draft.media_id;
  await step('/cgi-bin/draft/update', 'node-easywechat', () => post('cgi-bin/draft/update', { media_id: mediaID, index: 0, articles: { ...article, title: '第135期（更正）' } }));
  await step('/cgi-bin/draft/get', 'node-easywechat', () => post('cgi-bin/draft/get', { media_id: mediaID }));
  await step('/cgi-bin/draft/batchget', 'node-easywechat', () => post('cgi-bin/draft/batchget', { offset: 0, count: 20, no_content: 0 }));
  await step('/cgi-bin/draft/count', 'node-easywechat', () => get('cgi-bin/draft/count'));
  await step('/cgi-bin/message/mass/preview', 'co-wechat-api', () => cw.previewNews(env('OPEN_ID'), mediaID));

  const job = await step('/cgi-bin/freepublish/submit', 'node-easywechat', () => post('cgi-bin/freepublish/submit', { media_id: mediaID }));
  let status;
  for (let i = 0; i < 250; i++) {
    status = await step('/cgi-bin/freepublish/get', 'node-easywechat', () => post('cgi-bin/freepublish/get', { publish_id: job && job.publish_id }));
    if (!status || status.publish_status === 0) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const articleID = status && status.article_id;
  await step('/cgi-bin/freepublish/batchget', 'node-easywechat', () => post('cgi-bin/freepublish/batchget', { offset: 0, count: 20, no_content: 0 }));
  await step('/cgi-bin/freepublish/getarticle', 'node-easywechat', () => post('cgi-bin/freepublish/getarticle', { article_id: articleID }));

  const sent = await step('/cgi-bin/message/mass/sendall', 'co-wechat-api', () => cw.massSendNews(mediaID, true, 'wxpub-node-check'));
  await step('/cgi-bin/message/mass/get', 'co-wechat-api', () => cw.getMassMessageStatus(sent && sent.msg_id));
  await step('/cgi-bin/message/mass/delete', 'co-wechat-api', async () => {
    const deleted = await cw.deleteMass(sent && sent.msg_id);
    return { ...deleted, status_after: (await cw.getMassMessageStatus(sent && sent.msg_id)).msg_status };
  });
  await step('/cgi-bin/message/custom/send', 'co-wechat-api', () => cw.sendText(env('OPEN_ID'), '您好'));
  await step('/cgi-bin/openapi/quota/get', 'node-easywechat', () => post('cgi-bin/openapi/quota/get', { cgi_path: '/cgi-bin/draft/add' }));
  await step('/cgi-bin/clear_quota', 'node-easywechat', () => post('cgi-bin/clear_quota', { appid: env('APP_ID') }));

  const menu = { button: [{ type: 'click', name: '最新一期', key: 'latest' }, { name: '更多', sub_button: [{ type: 'view', name: '官网', url: 'https://www.example.com/' }] }] };
  await step('/cgi-bin/menu/create', 'co-wechat-api', () => cw.createMenu(menu));
  await step('/cgi-bin/menu/get', 'co-wechat-api', () => cw.getMenu());
  await step('/cgi-bin/get_current_selfmenu_info', 'co-wechat-api', () => cw.getMenuConfig());
  const day = new Date(Date.now() + 8 * 3600e3 - 86400e3).toISOString().slice(0, 10);
  await step('/datacube/getusersummary', 'co-wechat-api', () => cw.getUserSummary(day, day));
  await step('/datacube/getusercumulate', 'co-wechat-api', () => cw.getUserCumulate(day, day));
  await step('/datacube/getarticletotal', 'co-wechat-api', () => cw.getArticleTotal(day, day));

  await step('/cgi-bin/freepublish/delete', 'node-easywechat', () => post('cgi-bin/freepublish/delete', { article_id: articleID, index: 0 }));
  await step('/cgi-bin/draft/delete', 'node-easywechat', () => post('cgi-bin/draft/delete', { media_id: mediaID }));
  await step('/cgi-bin/menu/delete', 'co-wechat-api', () => cw.removeMenu());
  return out;
}

async function events() {
  const ne = new OfficialAccount({ app_id: env('APP_ID'), secret: env('APP_SECRET'), token: 'unused', aes_key: '' });
  ne.setCache(new MemoryCache());
  const out = [];
  for (const file of env('EVENT_FILES').split('\n').filter(Boolean)) {
    const body = readFileSync(file, 'utf8');
    const req = new ServerRequest('POST', '/wechat', { 'content-type': 'text/xml' }, body);
    ne.setRequest(req);
    const msg = await ne.getServer().getRequestMessage(req);
    out.push(msg.toObject());
  }
  return out;
}

const mode = process.argv[2];
const run = mode === 'api' ? api : mode === 'events' ? events : null;
if (!run) {
  console.error('usage: node conformance.mjs api|events');
  process.exit(2);
}
run().then((out) => process.stdout.write(JSON.stringify(out)), (err) => { console.error(err); process.exit(1); });
