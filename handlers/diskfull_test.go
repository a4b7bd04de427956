package handlers_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"zona/handlers"
	"zona/store"
	"zona/store/storetest"
)

// mustTmpfs mounts a tmpfs of size (as mount's size= option takes it) on a new temporary
// directory, unmounted when the test ends. Mounting needs root: the test is skipped
// otherwise, and CI runs as root, so there it always runs.
func mustTmpfs(t *testing.T, size string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root (CI runs as root)")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Fatalf("mount tmpfs: %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// fillVolume writes a file in dir until the volume has no byte left, and returns its path.
func fillVolume(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 1<<20)
	for len(chunk) > 0 {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("filling the volume: %v", err)
			}
			chunk = chunk[:len(chunk)/2] // fill the last partial megabyte too
		}
	}
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil || st.Bavail != 0 {
		t.Fatalf("volume not full: %d blocks free (%v)", st.Bavail, err)
	}
	return path
}

// On a data volume filled to the brim, the real app on the real stores does not crash:
// saving the account details answers the "sin espacio" page (503, Retry-After) and
// nothing is written, the JSON API answers a JSON 503, pages still read, /healthz and
// /metrics say the disk is low. Once the filler is removed, the same save works.
func TestFullDiskRefusesWritesAndRecovers(t *testing.T) {
	dir := mustTmpfs(t, "64m")
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := store.Open(dir, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	kv, err := store.OpenSessions(dir, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { kv.Close() })
	// The stores' mapped files are sparse: a 64 MiB volume holds both empty databases with
	// room to spare, and 16 MiB covers the few writes of this test after the floor.
	disk := store.NewDiskGuard(dir, 16<<20, log)
	st.GuardDisk(disk)
	kv.GuardDisk(disk)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go disk.Run(ctx, 20*time.Millisecond)

	client := storetest.MustCreateClient(t, st, testEmail, "Ana", "López", testPassword)
	e := &env{t: t, app: handlers.New(storetest.Config(), st, kv), st: st, kv: kv, client: client}
	token := mustAPIToken(t, e, "billing")
	a := e.agent()
	a.mustSignIn()
	form := accountForm(t, a)
	form.Set("company", "Abarrotes La Esperanza")

	// The session was last seen two minutes ago: the next page wants to refresh that time,
	// a write the full disk refuses and the page must go without.
	ageSession(t, kv, a.cookies["zona_session"], 2*time.Minute)

	filler := fillVolume(t, dir)
	waitDisk(t, disk, true)

	r := a.post("/account", form)
	if r.StatusCode != http.StatusServiceUnavailable || r.Header.Get("Retry-After") == "" {
		t.Fatalf("save on a full disk: %d, Retry-After %q", r.StatusCode, r.Header.Get("Retry-After"))
	}
	if !strings.Contains(r.body, "se quedó sin espacio para guardar cambios") {
		t.Errorf("the page does not say the disk is full: %.800s", r.body)
	}
	if got, _ := st.ClientByID(client.ID); got.Company != "" {
		t.Error("the refused save was stored")
	}
	res := apiCall(e, token, http.MethodPost, "/api/v1/clients", `{"email":"eva@example.mx","first_name":"Eva","last_name":"Ruiz"}`)
	if got := wantAPIError(t, res, http.StatusServiceUnavailable, "disk_full"); !strings.Contains(got.Error.Message, "out of space") {
		t.Errorf("API message %q", got.Error.Message)
	}
	if res := apiCall(e, token, http.MethodGet, "/api/v1/clients/"+client.ID, ""); res.StatusCode != http.StatusOK {
		t.Errorf("API read on a full disk: %d %.300s", res.StatusCode, res.body)
	}
	for _, path := range []string{"/zona", "/account"} {
		if r := a.get(path); r.StatusCode != http.StatusOK {
			t.Errorf("GET %s on a full disk: %d %.300s", path, r.StatusCode, r.body)
		}
	}
	if r := a.get("/healthz"); r.StatusCode != http.StatusServiceUnavailable || !strings.Contains(r.body, "disk low") {
		t.Errorf("/healthz on a full disk: %d %q", r.StatusCode, r.body)
	}
	if r := a.get("/metrics"); !strings.Contains(r.body, "\nzona_disk_low 1\n") || !strings.Contains(r.body, "\nzona_disk_free_bytes ") {
		i := strings.Index(r.body, "zona_disk")
		t.Errorf("/metrics on a full disk (%d) lacks zona_disk_low 1 or zona_disk_free_bytes: %.400s", r.StatusCode, r.body[max(i, 0):])
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	waitDisk(t, disk, false)
	if r := a.get("/healthz"); r.StatusCode != http.StatusOK {
		t.Errorf("/healthz after space returned: %d %q", r.StatusCode, r.body)
	}
	form = accountForm(t, a)
	form.Set("company", "Abarrotes La Esperanza")
	if r := a.post("/account", form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("save after space returned: %d %.500s", r.StatusCode, r.body)
	}
	if got, _ := st.ClientByID(client.ID); got.Company != "Abarrotes La Esperanza" {
		t.Errorf("company %q after the save", got.Company)
	}
}

// ageSession moves the last-seen time of the session with that cookie back by age.
func ageSession(t *testing.T, kv *store.Sessions, id string, age time.Duration) {
	t.Helper()
	raw, err := kv.Get("sess." + id)
	if err != nil || raw == nil {
		t.Fatalf("session record: %q %v", raw, err)
	}
	var rec map[string]any
	if err := json.Unmarshal(raw, &rec); err != nil {
		t.Fatal(err)
	}
	rec["n"] = time.Now().Add(-age).Unix()
	if raw, err = json.Marshal(rec); err != nil {
		t.Fatal(err)
	}
	if err := kv.Set("sess."+id, raw, time.Hour); err != nil {
		t.Fatal(err)
	}
}

// waitDisk waits until the guard's watcher reports low (or not).
func waitDisk(t *testing.T, disk *store.DiskGuard, low bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for disk.Low() != low {
		if time.Now().After(deadline) {
			t.Fatalf("disk guard still says low=%v (free %d)", !low, disk.Free())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
