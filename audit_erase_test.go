package main

import (
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/dgraph-io/badger/v4"

	"zona/store"
)

// Closing an account erases its entries' personal fields; `zona audit verify` still
// passes on what is left, the closing entry included.
func TestAuditVerifyPassesAfterClosingAnAccount(t *testing.T) {
	data, clientID, _ := auditHistory(t)
	st, err := store.Open(data, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CloseAccount(clientID, store.Actor{Kind: store.ActorStaff, ID: "01JSTAFF00000000000000000A"}); err != nil {
		st.Close()
		t.Fatal(err)
	}
	st.Close()
	out, err := runCLI(t, "", "audit", "verify", "--data", data)
	if err != nil || !strings.Contains(out, "audit ok: 8 entries in 2 histories") {
		t.Fatalf("audit verify after closing: %v\n%s", err, out)
	}
}

// An entry's sealed personal part moved into another entry (so that its history shows
// someone else's address) is caught: each sealed part is bound to its entry and digest.
func TestAuditVerifyCatchesASwappedPersonalPart(t *testing.T) {
	data, clientID, ids := auditHistory(t)
	key := func(id string) []byte { return []byte("act/" + clientID + "/" + id) }
	behindZonasBack(t, data, func(txn *badger.Txn) error {
		var from, to map[string]any
		for _, p := range []struct {
			id string
			v  *map[string]any
		}{{ids[2], &from}, {ids[3], &to}} {
			item, err := txn.Get(key(p.id))
			if err != nil {
				return err
			}
			b, err := item.ValueCopy(nil)
			if err != nil {
				return err
			}
			if err := json.Unmarshal(b[1:], p.v); err != nil {
				return err
			}
		}
		to["sealed"] = from["sealed"]
		b, err := json.Marshal(to)
		if err != nil {
			return err
		}
		return txn.Set(key(ids[3]), append([]byte{1}, b...))
	})
	_, err := runCLI(t, "", "audit", "verify", "--data", data)
	if err == nil || !strings.Contains(err.Error(), "entry "+ids[3]+" ") || !strings.Contains(err.Error(), "personal data altered") {
		t.Fatalf("audit verify said %v; want it to name entry %s", err, ids[3])
	}
}
