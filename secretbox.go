package abaco

// SecretBox seals and opens secret config values; the sealed form is what
// the store keeps. Package secretbox implements it with AES-GCM.
type SecretBox interface {
	Seal(plain string) (string, error)
	Open(sealed string) (string, error)
}

// SecretPlaceholder is shown in place of a secret config's value: secrets
// are never returned, neither in clear nor sealed.
const SecretPlaceholder = "****"

// SetSecretBox gives the service the key that seals secret configs.
// Without one, secret configs are refused.
func (s *Service) SetSecretBox(b SecretBox) { s.secrets = b }
