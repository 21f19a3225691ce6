// Package mongo connects to MongoDB for the MongoDB stores of every domain
// package.
package mongo

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
)

// ConnectTimeout bounds how long Connect waits for the server to answer.
const ConnectTimeout = 10 * time.Second

// Connect connects to uri and checks the server answers, so that an
// unreachable database is an error at start-up rather than a hang.
func Connect(ctx context.Context, uri, database string) (*mongo.Client, *mongo.Database, error) {
	opts := options.Client().ApplyURI(uri).
		SetServerSelectionTimeout(5 * time.Second).
		SetConnectTimeout(5 * time.Second)
	client, err := mongo.Connect(opts)
	if err != nil {
		return nil, nil, fmt.Errorf("connect to MongoDB: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, ConnectTimeout)
	defer cancel()
	if err := client.Ping(pingCtx, readpref.Primary()); err != nil {
		_ = client.Disconnect(context.Background())
		return nil, nil, fmt.Errorf("MongoDB at %s does not answer: %w", redact(uri), err)
	}
	return client, client.Database(database), nil
}

// redact hides credentials in a connection string before it is logged.
func redact(uri string) string {
	cs, err := connstringHost(uri)
	if err != nil {
		return "(the configured URI)"
	}
	return cs
}
