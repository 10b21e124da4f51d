package wechat

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// flexInt is an ID the API documents as a string ("publish_id": "100000001", freepublish
// get and submit in the current reference) and sends as a number (what the live API
// answers, per the platform doc and the SDK's int64): either decodes.
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	b = bytes.Trim(b, `"`)
	if len(b) == 0 || string(b) == "null" {
		*f = 0
		return nil
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return err
	}
	*f = flexInt(n)
	return nil
}

// UnmarshalJSON reads publish_id and msg_data_id as numbers or strings.
func (j *PublishJob) UnmarshalJSON(b []byte) error {
	var raw struct {
		PublishID flexInt `json:"publish_id"`
		MsgDataID flexInt `json:"msg_data_id"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	j.PublishID, j.MsgDataID = int64(raw.PublishID), int64(raw.MsgDataID)
	return nil
}

// UnmarshalJSON reads publish_id as a number or a string.
func (p *PublishStatus) UnmarshalJSON(b []byte) error {
	type plain PublishStatus
	var raw struct {
		plain
		PublishID flexInt `json:"publish_id"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*p = PublishStatus(raw.plain)
	p.PublishID = int64(raw.PublishID)
	return nil
}
