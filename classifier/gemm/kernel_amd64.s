//go:build amd64

#include "textflag.h"

// One k step: broadcast six A values (one per row) against a 16-float row
// of the packed B strip; Y0..Y11 accumulate the 6×16 tile, row r in
// Y(2r), Y(2r+1). off is the byte offset of the step within the A rows
// and boff within B.
#define STEP(off, boff) \
	VMOVUPS      boff(BX), Y12; \
	VMOVUPS      boff+32(BX), Y13; \
	VBROADCASTSS off(AX), Y14; \
	VBROADCASTSS off(AX)(R8*1), Y15; \
	VFMADD231PS  Y12, Y14, Y0; \
	VFMADD231PS  Y13, Y14, Y1; \
	VFMADD231PS  Y12, Y15, Y2; \
	VFMADD231PS  Y13, Y15, Y3; \
	VBROADCASTSS off(AX)(R8*2), Y14; \
	VBROADCASTSS off(R9), Y15; \
	VFMADD231PS  Y12, Y14, Y4; \
	VFMADD231PS  Y13, Y14, Y5; \
	VFMADD231PS  Y12, Y15, Y6; \
	VFMADD231PS  Y13, Y15, Y7; \
	VBROADCASTSS off(R9)(R8*1), Y14; \
	VBROADCASTSS off(R9)(R8*2), Y15; \
	VFMADD231PS  Y12, Y14, Y8; \
	VFMADD231PS  Y13, Y14, Y9; \
	VFMADD231PS  Y12, Y15, Y10; \
	VFMADD231PS  Y13, Y15, Y11

// Store one row (two registers) of the tile: C = acc (acc already scaled).
#define STROW(r0, r1) \
	VMOVUPS r0, (DI); \
	VMOVUPS r1, 32(DI); \
	ADDQ    R10, DI

// Store one row with beta (in Y15): C = beta·C + acc.
#define STROWB(r0, r1) \
	VFMADD231PS (DI), Y15, r0; \
	VFMADD231PS 32(DI), Y15, r1; \
	VMOVUPS     r0, (DI); \
	VMOVUPS     r1, 32(DI); \
	ADDQ        R10, DI

// func kernel6x16(k int, a *float32, lda int, b *float32, c *float32, ldc int, alpha, beta float32)
TEXT ·kernel6x16(SB), NOSPLIT, $0-56
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), AX
	MOVQ lda+16(FP), R8
	MOVQ b+24(FP), BX
	MOVQ c+32(FP), DI
	MOVQ ldc+40(FP), R10
	SHLQ $2, R8             // strides in bytes
	SHLQ $2, R10
	LEAQ (AX)(R8*2), R9
	ADDQ R8, R9             // R9: row 3 of A

	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11

	MOVQ CX, DX
	SHRQ $2, DX             // DX: groups of four k steps
	JZ   tail

loop4:
	STEP(0, 0)
	STEP(4, 64)
	STEP(8, 128)
	STEP(12, 192)
	ADDQ $16, AX
	ADDQ $16, R9
	ADDQ $256, BX
	DECQ DX
	JNZ  loop4

tail:
	ANDQ $3, CX
	JZ   store

loop1:
	STEP(0, 0)
	ADDQ $4, AX
	ADDQ $4, R9
	ADDQ $64, BX
	DECQ CX
	JNZ  loop1

store:
	VBROADCASTSS alpha+48(FP), Y14
	VMULPS       Y14, Y0, Y0
	VMULPS       Y14, Y1, Y1
	VMULPS       Y14, Y2, Y2
	VMULPS       Y14, Y3, Y3
	VMULPS       Y14, Y4, Y4
	VMULPS       Y14, Y5, Y5
	VMULPS       Y14, Y6, Y6
	VMULPS       Y14, Y7, Y7
	VMULPS       Y14, Y8, Y8
	VMULPS       Y14, Y9, Y9
	VMULPS       Y14, Y10, Y10
	VMULPS       Y14, Y11, Y11

	// beta == 0 (NaN is not): overwrite C without reading it.
	VMOVSS   beta+52(FP), X15
	VXORPS   X13, X13, X13
	VUCOMISS X13, X15
	JNE      withbeta
	JPS      withbeta

	STROW(Y0, Y1)
	STROW(Y2, Y3)
	STROW(Y4, Y5)
	STROW(Y6, Y7)
	STROW(Y8, Y9)
	STROW(Y10, Y11)
	VZEROUPPER
	RET

withbeta:
	VBROADCASTSS beta+52(FP), Y15
	STROWB(Y0, Y1)
	STROWB(Y2, Y3)
	STROWB(Y4, Y5)
	STROWB(Y6, Y7)
	STROWB(Y8, Y9)
	STROWB(Y10, Y11)
	VZEROUPPER
	RET
