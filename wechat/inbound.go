package wechat

import (
	"bytes"
	"fmt"
	"strconv"
)

// Message is an incoming message or event, as the callback receives it. ParseMessage fills
// it from the XML elements of the same names (MsgId for MsgID).
type Message struct {
	ToUserName   string
	FromUserName string
	CreateTime   int64
	MsgType      string
	Content      string
	MsgID        int64
	Event        string
	EventKey     string
	// Encrypt is set in compatible and safe mode.
	Encrypt string
	// Recognition is the speech recognised in a voice message, when the account has it on.
	Recognition string
}

// DedupKey identifies a message across WeChat's retries: sender and MsgId for messages,
// sender, time, event and key for events.
func (m *Message) DedupKey() string {
	if m.MsgType == "event" || m.MsgID == 0 {
		return m.FromUserName + "|" + strconv.FormatInt(m.CreateTime, 10) + "|" + m.Event + "|" + m.EventKey
	}
	return m.FromUserName + "|" + strconv.FormatInt(m.MsgID, 10)
}

// ParseMessage reads a message's XML; anything else is an error.
func ParseMessage(body []byte) (*Message, error) {
	var m Message
	var bad error
	err := scanFields(body, func(name, v []byte) {
		switch string(name) {
		case "ToUserName":
			m.ToUserName = string(v)
		case "FromUserName":
			m.FromUserName = string(v)
		case "CreateTime":
			m.CreateTime, bad = number(name, v, bad)
		case "MsgType":
			m.MsgType = string(v)
		case "Content":
			m.Content = string(v)
		case "MsgId":
			m.MsgID, bad = number(name, v, bad)
		case "Event":
			m.Event = string(v)
		case "EventKey":
			m.EventKey = string(v)
		case "Encrypt":
			m.Encrypt = string(v)
		case "Recognition":
			m.Recognition = string(v)
		}
	})
	if err == nil {
		err = bad
	}
	if err != nil {
		return nil, err
	}
	return &m, nil
}

// number reads an integer field; an empty one is 0.
func number(name, v []byte, prev error) (int64, error) {
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return 0, prev
	}
	n, err := strconv.ParseInt(string(v), 10, 64)
	if err != nil && prev == nil {
		prev = fmt.Errorf("%w: <%s> is not a number", errMalformed, name)
	}
	return n, prev
}
