package store

import (
	"strconv"

	"github.com/dgraph-io/badger/v4"
)

// Attachment is a file sent with a message, as the archive lists it. Its bytes are kept
// under their own key (msgatt/...), so that reading or listing a message never loads them.
type Attachment struct {
	Name string `json:"name"`
	// Type is the media type found by looking at the content, never the one a sender claimed.
	Type string `json:"type"`
	Size int64  `json:"size"`
}

// AttachmentData is an attachment with its content.
type AttachmentData struct {
	Attachment
	Data []byte
}

// Limits of a message's attachments (DESIGN "Emails").
const (
	MaxAttachments     = 10
	MaxAttachmentBytes = 10 << 20
)

// Attachment bytes are stored raw, without the record encoding (they are not a record): a
// value above the store's ValueThreshold (Options) lives in Badger's value log, so the LSM
// tree holds only the key and a pointer to it.
func attachmentKey(clientID, msgID string, n int) string {
	return "msgatt/" + clientID + "/" + msgID + "/" + strconv.Itoa(n)
}

// AttachmentByIndex returns the content of attachment n (1-based) of clientID's message
// msgID, with its listing. An index the message does not have is ErrNotFound.
func (s *Store) AttachmentByIndex(clientID, msgID string, n int) (*AttachmentData, error) {
	m, err := s.MessageByID(clientID, msgID)
	if err != nil {
		return nil, err
	}
	return s.attachment(m, n)
}

func (s *Store) attachment(m *Message, n int) (*AttachmentData, error) {
	if n < 1 || n > len(m.Attachments) {
		return nil, ErrNotFound
	}
	a := &AttachmentData{Attachment: m.Attachments[n-1]}
	err := s.db.View(func(txn *badger.Txn) (err error) {
		a.Data, err = getRaw(txn, attachmentKey(m.ClientID, m.ID, n))
		return err
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// attachments returns every attachment of m with its content, for a delivery.
func (s *Store) attachments(m *Message) ([]AttachmentData, error) {
	out := make([]AttachmentData, 0, len(m.Attachments))
	for n := range m.Attachments {
		a, err := s.attachment(m, n+1)
		if err != nil {
			return nil, err
		}
		out = append(out, *a)
	}
	return out, nil
}
