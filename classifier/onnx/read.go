package onnx

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// ReadInitializers returns the float32 and int64 initializers of an ONNX
// model (ModelProto bytes), by name. It reads raw_data and the typed
// float_data / int64_data fields; external data is not supported.
func ReadInitializers(model []byte) (map[string]Tensor, error) {
	graph, err := field(model, 7)
	if err != nil {
		return nil, fmt.Errorf("onnx model: %w", err)
	}
	out := map[string]Tensor{}
	err = each(graph, func(num protowire.Number, typ protowire.Type, v []byte) error {
		if num != 5 || typ != protowire.BytesType {
			return nil
		}
		t, err := readTensor(v)
		if err != nil {
			return err
		}
		out[t.Name] = t
		return nil
	})
	return out, err
}

func readTensor(b []byte) (Tensor, error) {
	var t Tensor
	var raw []byte
	var floats []float32
	var ints []int64
	err := each(b, func(num protowire.Number, typ protowire.Type, v []byte) error {
		switch {
		case num == 1 && typ == protowire.VarintType:
			d, _ := protowire.ConsumeVarint(v)
			t.Dims = append(t.Dims, int64(d))
		case num == 1 && typ == protowire.BytesType:
			for len(v) > 0 {
				d, n := protowire.ConsumeVarint(v)
				if n < 0 {
					return errors.New("bad packed dims")
				}
				t.Dims = append(t.Dims, int64(d))
				v = v[n:]
			}
		case num == 2 && typ == protowire.VarintType:
			d, _ := protowire.ConsumeVarint(v)
			t.Type = int(d)
		case num == 8 && typ == protowire.BytesType:
			t.Name = string(v)
		case num == 9 && typ == protowire.BytesType:
			raw = v
		case num == 4 && typ == protowire.BytesType:
			for i := 0; i+4 <= len(v); i += 4 {
				floats = append(floats, math.Float32frombits(binary.LittleEndian.Uint32(v[i:])))
			}
		case num == 7 && typ == protowire.BytesType:
			for len(v) > 0 {
				d, n := protowire.ConsumeVarint(v)
				if n < 0 {
					return errors.New("bad packed int64_data")
				}
				ints = append(ints, int64(d))
				v = v[n:]
			}
		}
		return nil
	})
	if err != nil {
		return t, err
	}
	switch t.Type {
	case Float:
		if raw != nil {
			for i := 0; i+4 <= len(raw); i += 4 {
				floats = append(floats, math.Float32frombits(binary.LittleEndian.Uint32(raw[i:])))
			}
		}
		t.Float = floats
	case Int64:
		if raw != nil {
			for i := 0; i+8 <= len(raw); i += 8 {
				ints = append(ints, int64(binary.LittleEndian.Uint64(raw[i:])))
			}
		}
		t.Int = ints
	}
	return t, t.validate()
}

// field returns the (last) bytes value of field num in a message.
func field(b []byte, num protowire.Number) ([]byte, error) {
	var out []byte
	found := false
	err := each(b, func(n protowire.Number, typ protowire.Type, v []byte) error {
		if n == num && typ == protowire.BytesType {
			out, found = v, true
		}
		return nil
	})
	if err == nil && !found {
		err = fmt.Errorf("field %d not found", num)
	}
	return out, err
}

// each walks a message's fields; for varints v holds the encoded varint.
func each(b []byte, fn func(num protowire.Number, typ protowire.Type, v []byte) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		var v []byte
		switch typ {
		case protowire.BytesType:
			val, m := protowire.ConsumeBytes(b)
			if m < 0 {
				return protowire.ParseError(m)
			}
			v, n = val, m
		default:
			m := protowire.ConsumeFieldValue(num, typ, b)
			if m < 0 {
				return protowire.ParseError(m)
			}
			v, n = b[:m], m
		}
		if err := fn(num, typ, v); err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}
