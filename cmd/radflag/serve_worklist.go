package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"

	"github.com/radflag/radflag/adapters/fhir"
	"github.com/radflag/radflag/classifier"
	"github.com/radflag/radflag/config"
	"github.com/radflag/radflag/internal/metrics"
	"github.com/radflag/radflag/worklist"
)

func init() { roleStarters[config.RoleWorklist] = startWorklist }

// startWorklist serves the navigators' worklist: cases from flagged results,
// the API and pages under /worklist, /api/worklist, /api/tumor-board.
func startWorklist(ctx context.Context, env *serveEnv) ([]component, error) {
	wc := env.cfg.Worklist
	auth, err := worklistAuth(wc)
	if err != nil {
		return nil, err
	}
	if len(auth.Users) == 0 && auth.TrustedHeader == "" && !auth.AllowAnonymous {
		env.log.Warn("worklist: no users configured (worklist.users, users_file or trusted_header); nobody can sign in")
	}
	if len(auth.SessionSecret) == 0 && env.cfg.NATS.URL != "" {
		env.log.Warn("worklist: no session_secret_file; sessions are not shared with other radflag processes")
	}
	labels := map[string][]worklist.LabelDef{}
	for _, t := range classifier.DefaultTasks() {
		for _, l := range t.Labels {
			labels[t.Name] = append(labels[t.Name], worklist.LabelDef{Label: l.ID, Name: l.Name})
		}
	}
	var lists worklist.ListWriter
	if env.cfg.FHIR.URL != "" {
		fc, err := newFHIRClient(env.cfg.FHIR, "system/List.write", 0)
		if err != nil {
			return nil, err
		}
		lists = fhirLists{fc}
	}
	svc, err := worklist.New(ctx, worklist.Config{
		Bus: env.bus, Auth: auth, Labels: labels, Lists: lists, Logger: env.log,
	})
	if err != nil {
		return nil, err
	}
	svc.Mount(env.http)
	col := svc.Collector()
	if err := metrics.Registry.Register(col); err != nil {
		return nil, fmt.Errorf("register worklist metrics: %w", err)
	}
	env.closers = append(env.closers, func() error { metrics.Registry.Unregister(col); return nil })
	return []component{{name: "worklist", run: svc.Run}}, nil
}

func worklistAuth(wc config.Worklist) (worklist.AuthConfig, error) {
	a := worklist.AuthConfig{
		Users: map[string]string{}, SessionTTL: wc.SessionTTL.D(),
		TrustedHeader: wc.TrustedHeader, AllowAnonymous: wc.AllowAnonymous,
	}
	for name, hash := range wc.Users {
		a.Users[name] = hash
	}
	if wc.UsersFile != "" {
		more, err := worklist.ReadUsersFile(wc.UsersFile)
		if err != nil {
			return a, fmt.Errorf("worklist.users_file: %w", err)
		}
		for name, hash := range more {
			a.Users[name] = hash
		}
	}
	if wc.SessionSecretFile != "" {
		b, err := readSmallFile(wc.SessionSecretFile, 4096)
		if err != nil {
			return a, fmt.Errorf("worklist.session_secret_file: %w", err)
		}
		a.SessionSecret = bytes.TrimSpace(b)
	}
	for _, p := range wc.TrustedProxies {
		pfx, err := netip.ParsePrefix(p)
		if err != nil {
			addr, aerr := netip.ParseAddr(p)
			if aerr != nil {
				return a, fmt.Errorf("worklist.trusted_proxies: %q is not an address or prefix", p)
			}
			pfx = netip.PrefixFrom(addr, addr.BitLen())
		}
		a.TrustedProxies = append(a.TrustedProxies, pfx.Masked())
	}
	return a, nil
}

// fhirLists writes tumour-board Lists by conditional create.
type fhirLists struct{ c *fhir.Client }

func (f fhirLists) CreateList(ctx context.Context, list []byte, identifier string) (worklist.ListRef, error) {
	resp, err := f.c.Create(ctx, "List", list, "identifier="+identifier)
	if err != nil {
		return worklist.ListRef{}, fmt.Errorf("create tumour-board list: %w", err)
	}
	var res struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(resp.Body, &res)
	if res.ID == "" {
		// Without a body, the Location names the id: List/<id>/_history/<v>.
		if _, rest, ok := strings.Cut(resp.Location(), "List/"); ok {
			res.ID, _, _ = strings.Cut(rest, "/")
		}
	}
	return worklist.ListRef{ID: res.ID, Created: resp.StatusCode == 201}, nil
}
