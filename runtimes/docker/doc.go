// Package docker runs containers through the Docker Engine API.
package docker

import (
	_ "github.com/docker/docker/client"
	_ "github.com/docker/docker/pkg/stdcopy"
	_ "github.com/docker/docker/api/types/container"
)
