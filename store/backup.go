package store

import (
	"fmt"
	"io"
)

// Backup writes a full, consistent backup of the domain database to w. Sessions are not
// part of it: after a restore everyone signs in again.
func (s *Store) Backup(w io.Writer) error {
	_, err := s.db.Backup(w, 0)
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
