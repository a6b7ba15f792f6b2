package abaco

// Version is the release, set at build time with
// -ldflags "-X github.com/abaco-hpc/abaco.Version=...".
var Version = "dev"
