package load

import "encoding/json"

// Ack is the first argument of a chat service ack, decoded.
type Ack struct {
	OK    bool `json:"ok"`
	Error *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
	// Message is the stored message of a send_message ack.
	Message *struct {
		ID  string `json:"id"`
		Seq int64  `json:"seq"`
	} `json:"message"`
}

// DecodeAck decodes an ack argument; anything that is not an ack object is
// an Ack with OK false.
func DecodeAck(raw json.RawMessage) Ack {
	var a Ack
	if err := json.Unmarshal(raw, &a); err != nil {
		return Ack{}
	}
	return a
}

// Code is the error code of a refused ack, "" when there is none.
func (a Ack) Code() string {
	if a.Error == nil {
		return ""
	}
	return a.Error.Code
}
