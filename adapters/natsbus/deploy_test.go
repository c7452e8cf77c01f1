package natsbus

import (
	"os"
	"testing"

	"github.com/nats-io/nats-server/v2/server"
)

// TestDeployNATSConfig reads deploy/nats.conf (the three NATS nodes of
// docker-compose.yml) with nats-server's own parser: JetStream on the
// data volume, a payload limit that takes radflag's largest reports, the
// password from the environment, and a cluster of three routes.
func TestDeployNATSConfig(t *testing.T) {
	t.Setenv("NATS_SERVER_NAME", "nats-2")
	t.Setenv("RADFLAG_NATS_PASSWORD", "from-the-environment")
	o, err := server.ProcessConfigFile("../../deploy/nats.conf")
	if err != nil {
		t.Fatal(err)
	}
	if o.ServerName != "nats-2" {
		t.Errorf("server name %q, want it from NATS_SERVER_NAME", o.ServerName)
	}
	if !o.JetStream || o.StoreDir != "/data" {
		t.Errorf("JetStream %v in %q, want on in /data (the node's volume)", o.JetStream, o.StoreDir)
	}
	if o.MaxPayload < 8<<20 {
		t.Errorf("max_payload %d: radflag's streams take messages of up to 8 MiB", o.MaxPayload)
	}
	if o.Port != 4222 || o.HTTPPort != 8222 {
		t.Errorf("client port %d, monitoring port %d; docker-compose.yml's health check asks 8222", o.Port, o.HTTPPort)
	}
	if len(o.Users) != 1 || o.Users[0].Username != "radflag" || o.Users[0].Password != "from-the-environment" {
		t.Errorf("users %+v: want radflag with the password from RADFLAG_NATS_PASSWORD", o.Users)
	}
	if o.Cluster.Name != "radflag" || o.Cluster.Port != 6222 || len(o.Routes) != 3 {
		t.Errorf("cluster %q on %d with %d routes, want radflag on 6222 with 3", o.Cluster.Name, o.Cluster.Port, len(o.Routes))
	}
	seen := map[string]bool{}
	for _, r := range o.Routes {
		seen[r.Host] = true
	}
	for _, h := range []string{"nats-1:6222", "nats-2:6222", "nats-3:6222"} {
		if !seen[h] {
			t.Errorf("no route to %s: %v", h, o.Routes)
		}
	}
	// Without the password in the environment the node does not start.
	os.Unsetenv("RADFLAG_NATS_PASSWORD") // restored by t.Setenv's cleanup
	if _, err := server.ProcessConfigFile("../../deploy/nats.conf"); err == nil {
		t.Error("nats.conf loads without RADFLAG_NATS_PASSWORD")
	}
}
