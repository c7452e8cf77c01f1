package fhir

import (
	"html"
	"mime"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/htmlindex"
)

// blockTags end a line of text when they open or close.
var blockTags = map[string]bool{
	"p": true, "div": true, "br": true, "li": true, "ul": true, "ol": true, "tr": true, "table": true,
	"h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true, "section": true,
	"article": true, "header": true, "footer": true, "blockquote": true, "pre": true, "hr": true,
	"dl": true, "dt": true, "dd": true, "caption": true, "title": true, "body": true, "html": true,
	"thead": true, "tbody": true, "tfoot": true,
}

// HTMLText turns HTML or XHTML (a narrative div, a text/html attachment)
// into plain text: tags dropped, entities decoded, whitespace collapsed as a
// browser would, a line break at every block element so that headings stay
// at the start of a line where section recognition finds them. It never
// fails: whatever is not markup is text.
func HTMLText(s string) string {
	var out strings.Builder
	out.Grow(len(s))
	var text strings.Builder // pending character data, entities undecoded
	pre := 0                 // depth inside <pre>, where whitespace is kept
	flush := func() {
		if text.Len() == 0 {
			return
		}
		t := html.UnescapeString(text.String())
		text.Reset()
		if pre > 0 {
			out.WriteString(t)
			return
		}
		// Collapse runs of whitespace (newlines included) to one space.
		space := false
		for _, r := range t {
			switch r {
			case ' ', '\t', '\n', '\r', '\f', '\u00a0':
				space = true
				continue
			}
			if space {
				out.WriteByte(' ')
				space = false
			}
			out.WriteRune(r)
		}
		if space {
			out.WriteByte(' ')
		}
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c != '<' {
			j := strings.IndexByte(s[i:], '<')
			if j < 0 {
				j = len(s) - i
			}
			text.WriteString(s[i : i+j])
			i += j
			continue
		}
		rest := s[i+1:]
		switch {
		case strings.HasPrefix(rest, "!--"):
			end := strings.Index(rest[3:], "-->")
			if end < 0 {
				i = len(s)
			} else {
				i += 1 + 3 + end + 3
			}
			continue
		case strings.HasPrefix(rest, "![CDATA["):
			end := strings.Index(rest, "]]>")
			if end < 0 {
				text.WriteString(html.EscapeString(rest[8:]))
				i = len(s)
			} else {
				text.WriteString(html.EscapeString(rest[8:end]))
				i += 1 + end + 3
			}
			continue
		case strings.HasPrefix(rest, "!") || strings.HasPrefix(rest, "?"):
			end := strings.IndexByte(rest, '>')
			if end < 0 {
				i = len(s)
			} else {
				i += 1 + end + 1
			}
			continue
		}
		closing := strings.HasPrefix(rest, "/")
		nameStart := 0
		if closing {
			nameStart = 1
		}
		n := nameStart
		for n < len(rest) && (isASCIILetter(rest[n]) || (n > nameStart && (rest[n] >= '0' && rest[n] <= '9' || rest[n] == ':' || rest[n] == '-'))) {
			n++
		}
		if n == nameStart {
			// A lone '<' is text.
			text.WriteByte('<')
			i++
			continue
		}
		name := strings.ToLower(rest[nameStart:n])
		if k := strings.LastIndexByte(name, ':'); k >= 0 { // xhtml:p
			name = name[k+1:]
		}
		end := tagEnd(rest, n)
		selfClosing := end > 0 && rest[end-1] == '/'
		if end < 0 {
			i = len(s)
		} else {
			i += 1 + end + 1
		}
		if !closing && (name == "script" || name == "style") && !selfClosing {
			// Their content is not text.
			k := indexASCIIFold(s[i:], "</"+name)
			if k < 0 {
				i = len(s)
			} else {
				i += k
			}
			continue
		}
		switch {
		case blockTags[name]:
			flush()
			out.WriteByte('\n')
			if name == "pre" && !selfClosing {
				if closing {
					if pre > 0 {
						pre--
					}
				} else {
					pre++
				}
			}
		case name == "td" || name == "th":
			if !closing {
				flush()
				out.WriteByte(' ')
			}
		}
	}
	flush()
	return tidyLines(out.String())
}

// tagEnd finds the '>' that ends a tag whose name ends at rest[n], skipping
// quoted attribute values; -1 when the tag is not closed.
func tagEnd(rest string, n int) int {
	var quote byte
	for k := n; k < len(rest); k++ {
		c := rest[k]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			return k
		}
	}
	return -1
}

// indexASCIIFold finds sub (lower-case ASCII) in s ignoring ASCII case;
// unlike strings.ToLower, it keeps byte offsets.
func indexASCIIFold(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		ok := true
		for j := 0; j < len(sub); j++ {
			c := s[i+j]
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != sub[j] {
				ok = false
				break
			}
		}
		if ok {
			return i
		}
	}
	return -1
}

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// tidyLines trims every line, drops trailing spaces and keeps at most one
// blank line in a row.
func tidyLines(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	lines := strings.Split(s, "\n")
	out := lines[:0]
	blank := true // drop leading blank lines
	for _, l := range lines {
		l = strings.TrimRight(strings.TrimLeft(l, " \t\u00a0"), " \t\u00a0")
		if l == "" {
			if blank {
				continue
			}
			blank = true
		} else {
			blank = false
		}
		out = append(out, l)
	}
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return strings.Join(out, "\n")
}

// plainText normalises text/plain: line ends, trailing spaces, invalid UTF-8.
func plainText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\x00", "")
	return tidyLines(s)
}

// textKind says how an attachment's bytes become text: "plain", "html", or
// "" when radflag cannot read that type (PDF, RTF, images).
func textKind(contentType string, data []byte) (kind, charset string) {
	mt, params, err := mime.ParseMediaType(contentType)
	if contentType == "" || err != nil {
		// No or broken type: sniff. Markup is HTML, readable UTF-8 is text.
		trimmed := strings.TrimSpace(string(data[:min(len(data), 512)]))
		switch {
		case strings.HasPrefix(trimmed, "<"):
			return "html", ""
		case utf8.Valid(data) && !strings.HasPrefix(trimmed, "%PDF") && !strings.HasPrefix(trimmed, "{\\rtf"):
			return "plain", ""
		}
		return "", ""
	}
	charset = params["charset"]
	switch mt {
	case "text/plain":
		return "plain", charset
	case "text/html", "application/xhtml+xml":
		return "html", charset
	}
	return "", ""
}

// decodeCharset converts bytes in a declared charset to UTF-8; unknown
// charsets are read as UTF-8 with invalid bytes replaced.
func decodeCharset(data []byte, charset string) string {
	cs := strings.ToLower(strings.TrimSpace(charset))
	if cs == "" || cs == "utf-8" || cs == "utf8" || cs == "us-ascii" {
		return string(data)
	}
	enc, err := htmlindex.Get(cs)
	if err != nil {
		return string(data)
	}
	out, err := enc.NewDecoder().Bytes(data)
	if err != nil {
		return string(data)
	}
	return string(out)
}

// bytesToText turns attachment bytes into text by kind; "" for types it
// cannot read.
func bytesToText(contentType string, data []byte) string {
	kind, cs := textKind(contentType, data)
	switch kind {
	case "plain":
		return plainText(decodeCharset(data, cs))
	case "html":
		return HTMLText(strings.ToValidUTF8(decodeCharset(data, cs), "\uFFFD"))
	}
	return ""
}

// normSpace collapses whitespace and case, to tell whether one text already
// contains another.
func normSpace(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}
