package store

import (
	"encoding/json"
	"fmt"
)

// recordVersion is the encoding version written in front of every record. Decoding a value
// with another version byte goes through migrateRecord.
const recordVersion byte = 1

func encode(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("store: encode %T: %w", v, err)
	}
	return append([]byte{recordVersion}, b...), nil
}

func decode(data []byte, v any) error {
	if len(data) == 0 {
		return fmt.Errorf("store: empty record for %T", v)
	}
	if data[0] != recordVersion {
		return fmt.Errorf("store: record %T has encoding version %d, want %d", v, data[0], recordVersion)
	}
	return json.Unmarshal(data[1:], v)
}
