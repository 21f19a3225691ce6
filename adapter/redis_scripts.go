package adapter

import (
	"embed"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// luaFiles holds the Lua scripts that make each Redis-side step of presence,
// rate limiting and windows atomic across instances.
//
//go:embed lua/*.lua
var luaFiles embed.FS

// loadScript returns the script lua/name.lua. The files are compiled in, so
// a missing one is a programming error caught by every test.
func loadScript(name string) *redis.Script {
	src, err := luaFiles.ReadFile("lua/" + name + ".lua")
	if err != nil {
		panic(fmt.Sprintf("adapter: script %s is not embedded: %v", name, err))
	}
	return redis.NewScript(string(src))
}

// presenceScripts are the steps of RedisPresence.
type presenceScripts struct {
	connect, disconnect, heartbeat, restore, sweep *redis.Script
}

func loadPresenceScripts() presenceScripts {
	return presenceScripts{
		connect:    loadScript("presence_connect"),
		disconnect: loadScript("presence_disconnect"),
		heartbeat:  loadScript("presence_heartbeat"),
		restore:    loadScript("presence_restore"),
		sweep:      loadScript("presence_sweep"),
	}
}
