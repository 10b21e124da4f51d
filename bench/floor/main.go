// Command floor is the bare net/http server the callback is measured against: it reads
// the request and answers a fixed text reply, with no signature check, parsing or search.
package main

import (
	"flag"
	"io"
	"log"
	"net/http"
)

const reply = `<xml><ToUserName><![CDATA[oFollower0000000000000000001]]></ToUserName><FromUserName><![CDATA[gh_wxpubtest0001]]></FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[fixed reply]]></Content></xml>`

func main() {
	addr := flag.String("addr", "127.0.0.1:8090", "listen address")
	flag.Parse()
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/xml; charset=utf-8")
		io.WriteString(w, reply)
	})
	log.Fatal(http.ListenAndServe(*addr, nil))
}
