package main

import (
	_ "github.com/alecthomas/kong"
	_ "go.yaml.in/yaml/v3"
	_ "github.com/stretchr/testify/require"
)

func main() {}
