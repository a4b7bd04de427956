package store

import (
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// KindEmailResent: an archived message was delivered once more, as a new copy.
const KindEmailResent = "email.resent"

// ResendMessage adds c as a new copy of clientID's archived message msgID, queues it in the
// outbox, and records ev in the history, in one transaction. The copy delivers the archived
// body and attachments: it is the same message, sent again. It returns the copy as queued.
func (s *Store) ResendMessage(clientID, msgID string, c Copy, messageIDDomain string, ev Event) (*Copy, error) {
	if !validID(clientID) || !validID(msgID) {
		return nil, ErrNotFound
	}
	now := time.Now().UTC()
	c.ID = NewID()
	c.MessageID = strings.ToLower(c.ID) + "@" + messageIDDomain
	c.Status, c.Attempts, c.NextAttempt, c.LastError, c.SentAt = CopyQueued, 0, now, "", time.Time{}
	err := s.update(func(txn *badger.Txn) error {
		var m Message
		if err := get(txn, messageKey(clientID, msgID), &m); err != nil {
			return err
		}
		m.Copies = append(m.Copies, c)
		if err := put(txn, messageKey(clientID, msgID), &m); err != nil {
			return err
		}
		item := OutboxItem{CopyID: c.ID, ClientID: clientID, MessageID: msgID, State: CopyQueued, NextAttempt: now}
		if err := put(txn, outboxKey(c.ID), &item); err != nil {
			return err
		}
		if ev.Detail == nil {
			ev.Detail = map[string]string{}
		}
		ev.Detail["message_id"], ev.Detail["subject"], ev.Detail["to"] = msgID, m.Subject, c.To
		return appendEntry(txn, clientID, ev)
	})
	if err != nil {
		return nil, err
	}
	return &c, nil
}
