// Package onnx writes ONNX models (protobuf wire format) with no dependency
// beyond protowire. onnx-gomlx keeps its generated ONNX types internal, so
// radflag encodes the few messages it needs itself: ModelProto, GraphProto,
// NodeProto, TensorProto, AttributeProto and ValueInfoProto.
package onnx

import (
	"encoding/binary"
	"fmt"
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// Element types (TensorProto.DataType).
const (
	Float = 1
	Int32 = 6
	Int64 = 7
	Bool  = 9
)

// Opset is the default ONNX operator set version; IRVersion matches it.
const (
	Opset     = 17
	IRVersion = 8
)

// Tensor is a dense tensor stored as raw little-endian data.
type Tensor struct {
	Name  string
	Dims  []int64
	Type  int
	Float []float32 // used when Type == Float
	Int   []int64   // used when Type == Int64
}

// FloatTensor builds a float32 tensor; len(data) must equal the product of dims.
func FloatTensor(name string, dims []int64, data []float32) Tensor {
	return Tensor{Name: name, Dims: dims, Type: Float, Float: data}
}

// Int64Tensor builds an int64 tensor.
func Int64Tensor(name string, dims []int64, data []int64) Tensor {
	return Tensor{Name: name, Dims: dims, Type: Int64, Int: data}
}

func (t Tensor) numElements() int64 {
	n := int64(1)
	for _, d := range t.Dims {
		n *= d
	}
	return n
}

func (t Tensor) validate() error {
	n := t.numElements()
	switch t.Type {
	case Float:
		if int64(len(t.Float)) != n {
			return fmt.Errorf("tensor %q: %d floats for dims %v", t.Name, len(t.Float), t.Dims)
		}
	case Int64:
		if int64(len(t.Int)) != n {
			return fmt.Errorf("tensor %q: %d int64s for dims %v", t.Name, len(t.Int), t.Dims)
		}
	default:
		return fmt.Errorf("tensor %q: unsupported type %d", t.Name, t.Type)
	}
	return nil
}

func (t Tensor) marshal() []byte {
	var b []byte
	for _, d := range t.Dims {
		b = protowire.AppendTag(b, 1, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(d))
	}
	b = protowire.AppendTag(b, 2, protowire.VarintType)
	b = protowire.AppendVarint(b, uint64(t.Type))
	if t.Name != "" {
		b = appendString(b, 8, t.Name)
	}
	var raw []byte
	switch t.Type {
	case Float:
		raw = make([]byte, 4*len(t.Float))
		for i, v := range t.Float {
			binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
		}
	case Int64:
		raw = make([]byte, 8*len(t.Int))
		for i, v := range t.Int {
			binary.LittleEndian.PutUint64(raw[8*i:], uint64(v))
		}
	}
	b = protowire.AppendTag(b, 9, protowire.BytesType)
	b = protowire.AppendBytes(b, raw)
	return b
}

// Attr is one node attribute.
type Attr struct {
	Name   string
	kind   int // AttributeProto.AttributeType
	f      float32
	i      int64
	ints   []int64
	tensor *Tensor
}

// AttrInt makes an INT attribute.
func AttrInt(name string, v int64) Attr { return Attr{Name: name, kind: 2, i: v} }

// AttrFloat makes a FLOAT attribute.
func AttrFloat(name string, v float32) Attr { return Attr{Name: name, kind: 1, f: v} }

// AttrInts makes an INTS attribute.
func AttrInts(name string, v ...int64) Attr { return Attr{Name: name, kind: 7, ints: v} }

// AttrTensor makes a TENSOR attribute (used by Constant nodes).
func AttrTensor(name string, t Tensor) Attr { return Attr{Name: name, kind: 4, tensor: &t} }

func (a Attr) marshal() []byte {
	var b []byte
	b = appendString(b, 1, a.Name)
	switch a.kind {
	case 1:
		b = protowire.AppendTag(b, 2, protowire.Fixed32Type)
		b = protowire.AppendFixed32(b, math.Float32bits(a.f))
	case 2:
		b = protowire.AppendTag(b, 3, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(a.i))
	case 4:
		b = protowire.AppendTag(b, 5, protowire.BytesType)
		b = protowire.AppendBytes(b, a.tensor.marshal())
	case 7:
		for _, v := range a.ints {
			b = protowire.AppendTag(b, 8, protowire.VarintType)
			b = protowire.AppendVarint(b, uint64(v))
		}
	}
	b = protowire.AppendTag(b, 20, protowire.VarintType)
	b = protowire.AppendVarint(b, uint64(a.kind))
	return b
}

// Node is one operator application.
type Node struct {
	Name    string
	Op      string
	Inputs  []string
	Outputs []string
	Attrs   []Attr
}

func (n Node) marshal() []byte {
	var b []byte
	for _, in := range n.Inputs {
		b = appendString(b, 1, in)
	}
	for _, out := range n.Outputs {
		b = appendString(b, 2, out)
	}
	if n.Name != "" {
		b = appendString(b, 3, n.Name)
	}
	b = appendString(b, 4, n.Op)
	for _, a := range n.Attrs {
		b = protowire.AppendTag(b, 5, protowire.BytesType)
		b = protowire.AppendBytes(b, a.marshal())
	}
	return b
}

// Value declares a graph input or output. A Dim below 0 is dynamic and
// takes its name from DimNames (e.g. "batch", "sequence").
type Value struct {
	Name     string
	Type     int
	Dims     []int64
	DimNames []string
}

func (v Value) marshal() []byte {
	var shape []byte
	for i, d := range v.Dims {
		var dim []byte
		if d >= 0 {
			dim = protowire.AppendTag(dim, 1, protowire.VarintType)
			dim = protowire.AppendVarint(dim, uint64(d))
		} else {
			name := fmt.Sprintf("dim_%d", i)
			if i < len(v.DimNames) && v.DimNames[i] != "" {
				name = v.DimNames[i]
			}
			dim = appendString(dim, 2, name)
		}
		shape = protowire.AppendTag(shape, 1, protowire.BytesType)
		shape = protowire.AppendBytes(shape, dim)
	}
	var tensorType []byte
	tensorType = protowire.AppendTag(tensorType, 1, protowire.VarintType)
	tensorType = protowire.AppendVarint(tensorType, uint64(v.Type))
	tensorType = protowire.AppendTag(tensorType, 2, protowire.BytesType)
	tensorType = protowire.AppendBytes(tensorType, shape)
	var typ []byte
	typ = protowire.AppendTag(typ, 1, protowire.BytesType)
	typ = protowire.AppendBytes(typ, tensorType)
	var b []byte
	b = appendString(b, 1, v.Name)
	b = protowire.AppendTag(b, 2, protowire.BytesType)
	b = protowire.AppendBytes(b, typ)
	return b
}

// Graph is an ONNX graph under construction.
type Graph struct {
	Name         string
	Nodes        []Node
	Initializers []Tensor
	Inputs       []Value
	Outputs      []Value
	counter      int
}

// Add appends a node with one output named out (a fresh name when out is
// empty) and returns the output name.
func (g *Graph) Add(op string, out string, inputs []string, attrs ...Attr) string {
	g.counter++
	if out == "" {
		out = fmt.Sprintf("%s_%d", op, g.counter)
	}
	g.Nodes = append(g.Nodes, Node{
		Name:    fmt.Sprintf("n%d_%s", g.counter, op),
		Op:      op,
		Inputs:  inputs,
		Outputs: []string{out},
		Attrs:   attrs,
	})
	return out
}

// Op is Add with a generated output name.
func (g *Graph) Op(op string, inputs []string, attrs ...Attr) string {
	return g.Add(op, "", inputs, attrs...)
}

// Const adds a Constant node holding t and returns its output name. Graph
// constants are Constant nodes, not initializers, so that loaders never
// treat them as trainable weights.
func (g *Graph) Const(t Tensor) string {
	out := t.Name
	t.Name = ""
	return g.Add("Constant", out, nil, AttrTensor("value", t))
}

// ConstInts adds an int64 vector constant.
func (g *Graph) ConstInts(name string, v ...int64) string {
	return g.Const(Int64Tensor(name, []int64{int64(len(v))}, v))
}

// ConstFloat adds a float32 scalar constant.
func (g *Graph) ConstFloat(name string, v float32) string {
	return g.Const(FloatTensor(name, nil, []float32{v}))
}

// Initializer adds a weight and returns its name.
func (g *Graph) Initializer(t Tensor) string {
	g.Initializers = append(g.Initializers, t)
	return t.Name
}

// Marshal encodes the graph as a complete ModelProto for the given opset.
func (g *Graph) Marshal(producer string, opset int) ([]byte, error) {
	for _, t := range g.Initializers {
		if err := t.validate(); err != nil {
			return nil, fmt.Errorf("initializer: %w", err)
		}
	}
	for _, n := range g.Nodes {
		for _, a := range n.Attrs {
			if a.tensor != nil {
				if err := a.tensor.validate(); err != nil {
					return nil, fmt.Errorf("node %s attribute %s: %w", n.Name, a.Name, err)
				}
			}
		}
	}
	var gb []byte
	for _, n := range g.Nodes {
		gb = protowire.AppendTag(gb, 1, protowire.BytesType)
		gb = protowire.AppendBytes(gb, n.marshal())
	}
	gb = appendString(gb, 2, g.Name)
	for _, t := range g.Initializers {
		gb = protowire.AppendTag(gb, 5, protowire.BytesType)
		gb = protowire.AppendBytes(gb, t.marshal())
	}
	for _, v := range g.Inputs {
		gb = protowire.AppendTag(gb, 11, protowire.BytesType)
		gb = protowire.AppendBytes(gb, v.marshal())
	}
	for _, v := range g.Outputs {
		gb = protowire.AppendTag(gb, 12, protowire.BytesType)
		gb = protowire.AppendBytes(gb, v.marshal())
	}

	var b []byte
	b = protowire.AppendTag(b, 1, protowire.VarintType)
	b = protowire.AppendVarint(b, IRVersion)
	b = appendString(b, 2, producer)
	b = protowire.AppendTag(b, 7, protowire.BytesType)
	b = protowire.AppendBytes(b, gb)
	var os []byte
	os = appendString(os, 1, "")
	os = protowire.AppendTag(os, 2, protowire.VarintType)
	os = protowire.AppendVarint(os, uint64(opset))
	b = protowire.AppendTag(b, 8, protowire.BytesType)
	b = protowire.AppendBytes(b, os)
	return b, nil
}

func appendString(b []byte, num protowire.Number, s string) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, s)
}
