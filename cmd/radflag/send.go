package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"

	"github.com/radflag/radflag/adapters/hl7v2"
	"github.com/radflag/radflag/adapters/mllp"
)

func init() {
	register(command{name: "send", usage: "send HL7 v2 files over MLLP and print each ACK (test an interface)", run: runSend})
}

// maxSendFile bounds a file read by send.
const maxSendFile = 64 << 20

func runSend(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("send", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: radflag send --addr HOST:PORT [--tls] [--ca F] [--cert F --key F] [--timeout D] FILE...")
		fmt.Fprintln(stderr, "Sends every message in each FILE (one or many, any segment ends) over MLLP, one connection,")
		fmt.Fprintln(stderr, "and prints each ACK code. Exits 1 when any message gets AE, AR or no ACK.")
		fs.PrintDefaults()
	}
	addr := fs.String("addr", "", "MLLP server HOST:PORT (required)")
	useTLS := fs.Bool("tls", false, "speak TLS (implied by --ca, --cert)")
	caFile := fs.String("ca", "", "PEM file of CAs that sign the server's certificate (default: system roots)")
	certFile := fs.String("cert", "", "PEM client certificate, for servers that require one")
	keyFile := fs.String("key", "", "PEM key of --cert")
	serverName := fs.String("server-name", "", "name to verify in the server's certificate (default: the host of --addr)")
	timeout := fs.Duration("timeout", 30*time.Second, "how long to wait for connecting and for each ACK")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	files := fs.Args()
	switch {
	case *addr == "":
		return fmt.Errorf("%w: --addr HOST:PORT is required", errUsage)
	case len(files) == 0:
		return fmt.Errorf("%w: no FILE to send", errUsage)
	case (*certFile == "") != (*keyFile == ""):
		return fmt.Errorf("%w: --cert and --key go together", errUsage)
	case *timeout <= 0:
		return fmt.Errorf("%w: --timeout must be positive", errUsage)
	}
	if _, _, err := net.SplitHostPort(*addr); err != nil {
		return fmt.Errorf("%w: --addr %q: %v", errUsage, *addr, err)
	}

	// Read every file first, so that a bad file is reported before
	// anything is sent.
	type item struct {
		file string
		n    int
		msg  []byte
	}
	var items []item
	for _, f := range files {
		data, err := readBounded(f, maxSendFile)
		if err != nil {
			return fmt.Errorf("read %s: %w", f, err)
		}
		msgs, err := hl7v2.SplitMessages(data)
		if err != nil {
			return fmt.Errorf("file %s: %w", f, err)
		}
		for i, m := range msgs {
			items = append(items, item{file: f, n: i + 1, msg: m})
		}
	}

	cc := mllp.ClientConfig{Addr: *addr, DialTimeout: *timeout, AckTimeout: *timeout}
	if *useTLS || *caFile != "" || *certFile != "" {
		tc, err := sendTLS(*addr, *serverName, *caFile, *certFile, *keyFile)
		if err != nil {
			return err
		}
		cc.TLS = tc
	}

	var client *mllp.Client
	defer func() {
		if client != nil {
			client.Close()
		}
	}()
	counts := map[string]int{}
	for _, it := range items {
		label := fmt.Sprintf("%s #%d (MSH-10 %s)", it.file, it.n, controlID(it.msg))
		if client == nil {
			c, err := mllp.Dial(ctx, cc)
			if err != nil {
				return err
			}
			client = c
		}
		reply, err := client.Send(ctx, it.msg)
		if err != nil {
			counts["no ACK"]++
			fmt.Fprintf(stdout, "%s: no ACK: %v\n", label, err)
			// The connection is out of step; use a new one.
			client.Close()
			client = nil
			if ctx.Err() != nil {
				return ctx.Err()
			}
			continue
		}
		code, text := describeAck(reply)
		counts[code]++
		if text != "" {
			fmt.Fprintf(stdout, "%s: %s: %s\n", label, code, text)
		} else {
			fmt.Fprintf(stdout, "%s: %s\n", label, code)
		}
	}
	if bad := len(items) - counts["AA"]; bad > 0 {
		var parts []string
		for _, k := range []string{"AA", "AE", "AR", "no ACK"} {
			if counts[k] > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", counts[k], k))
			}
		}
		for k, n := range counts {
			if k != "AA" && k != "AE" && k != "AR" && k != "no ACK" {
				parts = append(parts, fmt.Sprintf("%d %q", n, k))
			}
		}
		return fmt.Errorf("%d of %d messages not accepted (%s)", bad, len(items), strings.Join(parts, ", "))
	}
	return nil
}

func readBounded(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("larger than %d bytes", limit)
	}
	return data, nil
}

func sendTLS(addr, serverName, caFile, certFile, keyFile string) (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: serverName}
	if tc.ServerName == "" {
		host, _, _ := net.SplitHostPort(addr)
		tc.ServerName = host
	}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("read --ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--ca %s holds no PEM certificate", caFile)
		}
		tc.RootCAs = pool
	}
	if certFile != "" {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("load --cert/--key: %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}

// controlID is MSH-10 of msg, for labelling output.
func controlID(msg []byte) string {
	m, err := hl7v2.ParseHeader(msg)
	if err != nil {
		return "?"
	}
	return m.ControlID()
}

// describeAck returns MSA-1 and the reasons the ACK gives (MSA-3, and the
// ERR segment's code and text in either the v2.5+ or the v2.3 layout).
func describeAck(reply []byte) (code, text string) {
	m, err := hl7v2.Parse(reply, hl7v2.Limits{})
	if err != nil || m.First("MSA") == nil {
		return "not an ACK", fmt.Sprintf("%q", truncateBytes(reply, 200))
	}
	code = m.Get("MSA-1")
	var parts []string
	if t := m.Get("MSA-3"); t != "" {
		parts = append(parts, t)
	}
	for _, e := range m.All("ERR") {
		num, name, detail := e.Get("3.1"), e.Get("3.2"), e.Get("8")
		if num == "" { // v2.3/2.4: ERR-1 = seg^seq^field^code&text
			num, name = e.Get("1.4.1"), e.Get("1.4.2")
		}
		if detail == "" {
			detail = e.Get("7")
		}
		s := strings.TrimSpace("ERR " + num + " " + name)
		if loc := e.Get("2.1"); loc != "" {
			s += " at " + loc + "-" + e.Get("2.3")
		}
		if detail != "" && detail != m.Get("MSA-3") {
			s += ": " + detail
		}
		parts = append(parts, "["+s+"]")
	}
	return code, strings.Join(parts, " ")
}

func truncateBytes(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}
