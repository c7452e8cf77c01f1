package onnx

import "testing"

func TestInitializersRoundTrip(t *testing.T) {
	g := &Graph{Name: "t"}
	g.Inputs = []Value{{Name: "x", Type: Float, Dims: []int64{-1, 3}, DimNames: []string{"batch"}}}
	g.Outputs = []Value{{Name: "y", Type: Float, Dims: []int64{-1, 2}, DimNames: []string{"batch"}}}
	g.Initializer(FloatTensor("w", []int64{3, 2}, []float32{1, 2, 3, 4, 5, -6.5}))
	g.Initializer(Int64Tensor("shape", []int64{2}, []int64{0, -1}))
	g.Add("MatMul", "y", []string{"x", "w"})
	b, err := g.Marshal("test", Opset)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ReadInitializers(b)
	if err != nil {
		t.Fatal(err)
	}
	w := got["w"]
	if len(w.Dims) != 2 || w.Dims[0] != 3 || w.Dims[1] != 2 || w.Float[5] != -6.5 {
		t.Fatalf("w = %+v", w)
	}
	if s := got["shape"]; len(s.Int) != 2 || s.Int[1] != -1 {
		t.Fatalf("shape = %+v", s)
	}
	if _, err := (&Graph{Initializers: []Tensor{FloatTensor("bad", []int64{2}, []float32{1})}}).Marshal("t", Opset); err == nil {
		t.Fatal("marshalled a tensor whose data does not fit its dims")
	}
}
