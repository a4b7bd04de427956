package store

import (
	"fmt"
	"io"
)

// Backup writes a full backup of the domain database to w, consistent while the server
// writes: every key as it was at one moment. Badger's DB.Backup streams with a read
// transaction per goroutine, each at its own timestamp, so under writes its key ranges
// would come from different moments; one goroutine reads everything in one transaction.
// Sessions are not part of it: they live in their own store and end at a restore.
func (s *Store) Backup(w io.Writer) error {
	stream := s.db.NewStream()
	stream.NumGo = 1
	stream.LogPrefix = "store.Backup"
	_, err := stream.Backup(w, 0)
	return err
}

// Restore loads a backup made by Backup into this database, which must hold no client yet.
func (s *Store) Restore(r io.Reader) error {
	ids, err := s.ClientIDs()
	if err != nil {
		return err
	}
	if len(ids) > 0 {
		return fmt.Errorf("store: restore needs an empty data dir; this one has %d clients", len(ids))
	}
	if err := s.db.Load(r, 256); err != nil {
		return err
	}
	return s.migrate()
}
