package mongo

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/mongo"
)

// EnsureIndexes creates the indexes of coll that do not exist yet. Each
// index is its own createIndexes command: FerretDB v1 drops the connection
// when one command names two or more indexes that already exist, which is
// what every restart of the service does.
func EnsureIndexes(ctx context.Context, coll *mongo.Collection, models ...mongo.IndexModel) error {
	for _, m := range models {
		if _, err := coll.Indexes().CreateOne(ctx, m); err != nil {
			return fmt.Errorf("create index on %s: %w", coll.Name(), err)
		}
	}
	return nil
}
