package hl7v2

import (
	"fmt"
	"strconv"
	"strings"
)

// Path addresses one value in a message, written "OBX-5", "PID-3.1",
// "OBX(2)-5(3)", "PID-3(2).4.1" or "MSH.10": segment name and optional
// 1-based occurrence, field, optional repetition, component, subcomponent.
// Numbers left out mean the first.
type Path struct {
	Segment                           string
	Occurrence, Field, Rep, Comp, Sub int
}

// ParsePath parses a path; the segment part is required.
func ParsePath(p string) (Path, error) {
	return parsePath(p, true)
}

func parsePath(p string, withSegment bool) (Path, error) {
	var out Path
	orig := p
	bad := func(why string) (Path, error) { return Path{}, fmt.Errorf("hl7 path %q: %s", orig, why) }
	if withSegment {
		if len(p) < 3 || !isSegmentStart(p[:3], '-') {
			return bad("must start with a segment name such as OBX")
		}
		out.Segment, p = p[:3], p[3:]
		n, rest, err := index(p)
		if err != nil {
			return bad(err.Error())
		}
		out.Occurrence, p = n, rest
		if p == "" || (p[0] != '-' && p[0] != '.') {
			return bad("segment name must be followed by '-' and a field number")
		}
		p = p[1:]
	}
	// Scanned by hand, without allocating: Get is on the hot path.
	f, p := leadingDigits(p)
	var err error
	if out.Field, err = number(f); err != nil {
		return bad("field: " + err.Error())
	}
	if p != "" && (p[0] == '(' || p[0] == '[') {
		n, rest, err := index(p)
		if err != nil {
			return bad("bad repetition index")
		}
		out.Rep, p = n, rest
	}
	for _, dst := range []*int{&out.Comp, &out.Sub} {
		if p == "" {
			break
		}
		if p[0] != '.' {
			return bad("expected '.' and a component or subcomponent number")
		}
		var d string
		d, p = leadingDigits(p[1:])
		if *dst, err = number(d); err != nil {
			return bad("component: " + err.Error())
		}
	}
	if p != "" {
		return bad("too many parts (field, component, subcomponent at most)")
	}
	return out, nil
}

func leadingDigits(s string) (string, string) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 && s != "" && s[0] != '.' && s[0] != '(' && s[0] != '[' {
		// Not a number: hand the whole part to number() for its error.
		j := strings.IndexAny(s, ".([")
		if j < 0 {
			j = len(s)
		}
		return s[:j], s[j:]
	}
	return s[:i], s[i:]
}

// index reads an optional "(n)" or "[n]" at the start of p.
func index(p string) (int, string, error) {
	if p == "" || (p[0] != '(' && p[0] != '[') {
		return 0, p, nil
	}
	closer := byte(')')
	if p[0] == '[' {
		closer = ']'
	}
	end := strings.IndexByte(p, closer)
	if end < 0 {
		return 0, "", fmt.Errorf("unclosed index")
	}
	n, err := number(p[1:end])
	if err != nil {
		return 0, "", err
	}
	return n, p[end+1:], nil
}

func number(s string) (int, error) {
	if len(s) == 0 || len(s) > 4 {
		return 0, fmt.Errorf("%q is not a number from 1 to 9999", s)
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("%q is not a number from 1 to 9999", s)
	}
	return n, nil
}

// Get returns the decoded value at path, or "" when the message has none
// or the path is malformed. Like HAPI's Terser, a path that stops at a
// field or component means its first repetition, component and
// subcomponent: "PID-3" is PID-3(1).1.1. MSH-1 and MSH-2 are returned as
// sent.
func (m *Message) Get(path string) string {
	p, err := ParsePath(path)
	if err != nil {
		return ""
	}
	return m.At(p)
}

// At returns the decoded value at p (see Get).
func (m *Message) At(p Path) string {
	s := m.occurrence(p.Segment, p.Occurrence)
	if s == nil {
		return ""
	}
	return s.at(p)
}

// GetAll returns the decoded value at path for every repetition of the
// field ("PID-3.1" gives each identifier); the path's own repetition index
// is ignored.
func (m *Message) GetAll(path string) []string {
	p, err := ParsePath(path)
	if err != nil {
		return nil
	}
	s := m.occurrence(p.Segment, p.Occurrence)
	if s == nil {
		return nil
	}
	return s.all(p)
}

func (m *Message) occurrence(name string, n int) *Segment {
	n = max(n, 1)
	for _, s := range m.segments {
		if s.Name == name {
			n--
			if n == 0 {
				return s
			}
		}
	}
	return nil
}

// Get returns the decoded value at a path within this segment: "5",
// "3.1", "5(2)", "3(2).4.1" (see Message.Get).
func (s *Segment) Get(path string) string {
	p, err := parsePath(path, false)
	if err != nil || s == nil {
		return ""
	}
	return s.at(p)
}

// GetAll is Message.GetAll within this segment.
func (s *Segment) GetAll(path string) []string {
	p, err := parsePath(path, false)
	if err != nil || s == nil {
		return nil
	}
	return s.all(p)
}

// v is the decoded value at field.rep.comp.sub (0 means 1), without a
// path to parse: for the normaliser's hot path.
func (s *Segment) v(field, rep, comp, sub int) string {
	if s == nil {
		return ""
	}
	return s.at(Path{Field: field, Rep: rep, Comp: comp, Sub: sub})
}

func (s *Segment) at(p Path) string {
	raw := s.Field(p.Field)
	if s.Name == "MSH" && p.Field <= 2 {
		return raw
	}
	d := s.msg.Delims
	v := nth(nth(nth(raw, d.Repetition, p.Rep), d.Component, p.Comp), d.Subcomponent, p.Sub)
	return s.msg.Unescape(v)
}

func (s *Segment) all(p Path) []string {
	raw := s.Field(p.Field)
	if raw == "" {
		return nil
	}
	if s.Name == "MSH" && p.Field <= 2 {
		return []string{raw}
	}
	d := s.msg.Delims
	reps := strings.Split(raw, string(d.Repetition))
	out := make([]string, len(reps))
	for i, r := range reps {
		out[i] = s.msg.Unescape(nth(nth(r, d.Component, p.Comp), d.Subcomponent, p.Sub))
	}
	return out
}

// Reps returns field n's repetitions as received (escaped).
func (s *Segment) Reps(n int) []string {
	raw := s.Field(n)
	if raw == "" {
		return nil
	}
	return strings.Split(raw, string(s.msg.Delims.Repetition))
}

// nth returns the n-th (1-based; 0 means 1) part of s split on sep.
func nth(s string, sep byte, n int) string {
	n = max(n, 1)
	for ; n > 1; n-- {
		i := strings.IndexByte(s, sep)
		if i < 0 {
			return ""
		}
		s = s[i+1:]
	}
	if i := strings.IndexByte(s, sep); i >= 0 {
		return s[:i]
	}
	return s
}
