package identity

// TenantInfo is a tenant as GET /v3/tenants lists it. tapipy requires
// tenant_id, site_id and base_url; public_key lets Tapis-style services
// check tokens themselves, as with the real Tenants API.
type TenantInfo struct {
	TenantID  string `json:"tenant_id"`
	SiteID    string `json:"site_id"`
	BaseURL   string `json:"base_url"`
	PublicKey string `json:"public_key"`
}

// SiteInfo is a site as GET /v3/sites lists it; tapipy requires site_id.
type SiteInfo struct {
	SiteID  string `json:"site_id"`
	Primary bool   `json:"primary"`
	BaseURL string `json:"base_url"`
}

// Tenants lists the configured tenants in config order.
func (v *Verifier) Tenants() []TenantInfo {
	out := make([]TenantInfo, 0, len(v.order))
	for _, t := range v.order {
		out = append(out, TenantInfo{TenantID: t.ID, SiteID: t.SiteID, BaseURL: t.BaseURL, PublicKey: t.pems[0]})
	}
	return out
}

// Sites lists the sites of the configured tenants, each once, with the base
// URL of its first tenant. This server hosts them all, but Tapis has exactly
// one primary site, so only the first is marked primary.
func (v *Verifier) Sites() []SiteInfo {
	out := []SiteInfo{}
	seen := map[string]bool{}
	for _, t := range v.order {
		if seen[t.SiteID] {
			continue
		}
		seen[t.SiteID] = true
		out = append(out, SiteInfo{SiteID: t.SiteID, Primary: len(out) == 0, BaseURL: t.BaseURL})
	}
	return out
}
