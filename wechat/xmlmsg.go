package wechat

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// The callback's messages are flat XML: <xml> holding one element per field, each a CDATA
// section or plain text (events add a few nested groups, which wxpub does not read).
// encoding/xml took a third of the handler's time on them; this scanner reads exactly that
// shape and refuses anything that is not well-formed within it.

var errMalformed = errors.New("malformed message XML")

// scanFields calls field for each child element of the root <xml> with its text (CDATA
// and entities resolved); nested elements are skipped whole.
func scanFields(b []byte, field func(name, value []byte)) error {
	p := &scanner{b: b}
	p.space()
	if bytes.HasPrefix(p.b[p.i:], []byte("<?xml")) {
		end := bytes.Index(p.b[p.i:], []byte("?>"))
		if end < 0 {
			return errMalformed
		}
		p.i += end + 2
		p.space()
	}
	if !p.take("<xml>") {
		return fmt.Errorf("%w: no <xml> root", errMalformed)
	}
	var val []byte
	for {
		p.space()
		if p.take("</xml>") {
			p.space()
			if p.i != len(p.b) {
				return fmt.Errorf("%w: content after </xml>", errMalformed)
			}
			return nil
		}
		name, selfClosing, err := p.open()
		if err != nil {
			return err
		}
		if selfClosing {
			field(name, nil)
			continue
		}
		val = val[:0]
		nested := false
		for {
			if p.i >= len(p.b) {
				return fmt.Errorf("%w: <%s> not closed", errMalformed, name)
			}
			switch {
			case bytes.HasPrefix(p.b[p.i:], []byte("<![CDATA[")):
				p.i += 9
				end := bytes.Index(p.b[p.i:], []byte("]]>"))
				if end < 0 {
					return fmt.Errorf("%w: CDATA not closed", errMalformed)
				}
				val = append(val, p.b[p.i:p.i+end]...)
				p.i += end + 3
			case bytes.HasPrefix(p.b[p.i:], []byte("</")):
				p.i += 2
				if !p.take(string(name)) || !p.take(">") {
					return fmt.Errorf("%w: <%s> closed by another tag", errMalformed, name)
				}
				goto closed
			case p.b[p.i] == '<':
				if err := p.skipElement(); err != nil {
					return err
				}
				nested = true
			default:
				end := bytes.IndexByte(p.b[p.i:], '<')
				if end < 0 {
					return fmt.Errorf("%w: <%s> not closed", errMalformed, name)
				}
				if val, err = appendText(val, p.b[p.i:p.i+end]); err != nil {
					return err
				}
				p.i += end
			}
		}
	closed:
		if !utf8.Valid(val) {
			return fmt.Errorf("%w: invalid UTF-8 in <%s>", errMalformed, name)
		}
		if !nested {
			field(name, val)
		}
	}
}

type scanner struct {
	b []byte
	i int
}

func (p *scanner) space() {
	for p.i < len(p.b) && (p.b[p.i] == ' ' || p.b[p.i] == '\n' || p.b[p.i] == '\r' || p.b[p.i] == '\t') {
		p.i++
	}
}

func (p *scanner) take(s string) bool {
	if len(p.b)-p.i >= len(s) && string(p.b[p.i:p.i+len(s)]) == s {
		p.i += len(s)
		return true
	}
	return false
}

func nameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.' || c == ':'
}

// open reads <Name> or <Name/>.
func (p *scanner) open() (name []byte, selfClosing bool, err error) {
	if p.i >= len(p.b) || p.b[p.i] != '<' {
		return nil, false, fmt.Errorf("%w: expected an element", errMalformed)
	}
	p.i++
	start := p.i
	for p.i < len(p.b) && nameByte(p.b[p.i]) {
		p.i++
	}
	if p.i == start || (p.b[start] >= '0' && p.b[start] <= '9') {
		return nil, false, fmt.Errorf("%w: bad element name", errMalformed)
	}
	name = p.b[start:p.i]
	p.space()
	if p.take("/>") {
		return name, true, nil
	}
	if !p.take(">") {
		return nil, false, fmt.Errorf("%w: <%s> has attributes or is broken", errMalformed, name)
	}
	return name, false, nil
}

// skipElement passes over a nested element and everything in it.
func (p *scanner) skipElement() error {
	name, selfClosing, err := p.open()
	if err != nil || selfClosing {
		return err
	}
	for {
		if p.i >= len(p.b) {
			return fmt.Errorf("%w: <%s> not closed", errMalformed, name)
		}
		switch {
		case bytes.HasPrefix(p.b[p.i:], []byte("<![CDATA[")):
			end := bytes.Index(p.b[p.i+9:], []byte("]]>"))
			if end < 0 {
				return fmt.Errorf("%w: CDATA not closed", errMalformed)
			}
			p.i += 9 + end + 3
		case bytes.HasPrefix(p.b[p.i:], []byte("</")):
			p.i += 2
			if !p.take(string(name)) || !p.take(">") {
				return fmt.Errorf("%w: <%s> closed by another tag", errMalformed, name)
			}
			return nil
		case p.b[p.i] == '<':
			if err := p.skipElement(); err != nil {
				return err
			}
		default:
			end := bytes.IndexByte(p.b[p.i:], '<')
			if end < 0 {
				return fmt.Errorf("%w: <%s> not closed", errMalformed, name)
			}
			if _, err := appendText(nil, p.b[p.i:p.i+end]); err != nil {
				return err
			}
			p.i += end
		}
	}
}

// appendText appends character data with its entities resolved.
func appendText(dst, s []byte) ([]byte, error) {
	for len(s) > 0 {
		amp := bytes.IndexByte(s, '&')
		if amp < 0 {
			if bytes.IndexByte(s, '>') >= 0 && bytes.Contains(s, []byte("]]>")) {
				return nil, fmt.Errorf("%w: ]]> in text", errMalformed)
			}
			return append(dst, s...), nil
		}
		dst = append(dst, s[:amp]...)
		s = s[amp:]
		semi := bytes.IndexByte(s, ';')
		if semi < 0 || semi > 12 {
			return nil, fmt.Errorf("%w: bare & in text", errMalformed)
		}
		ent := string(s[1:semi])
		switch ent {
		case "lt":
			dst = append(dst, '<')
		case "gt":
			dst = append(dst, '>')
		case "amp":
			dst = append(dst, '&')
		case "quot":
			dst = append(dst, '"')
		case "apos":
			dst = append(dst, '\'')
		default:
			var n uint64
			var err error
			switch {
			case len(ent) > 2 && (ent[:2] == "#x" || ent[:2] == "#X"):
				n, err = strconv.ParseUint(ent[2:], 16, 32)
			case len(ent) > 1 && ent[0] == '#':
				n, err = strconv.ParseUint(ent[1:], 10, 32)
			default:
				err = errors.New("unknown entity")
			}
			if err != nil || !utf8.ValidRune(rune(n)) || n == 0 {
				return nil, fmt.Errorf("%w: entity &%s;", errMalformed, ent)
			}
			dst = utf8.AppendRune(dst, rune(n))
		}
		s = s[semi+1:]
	}
	return dst, nil
}
