package sandbox

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// signingKey is the registry's OpenID Connect key. It is generated once and
// kept in the database, so id_tokens issued before a restart still verify.
type signingKey struct {
	kid    string
	priv   *rsa.PrivateKey
	signer jose.Signer
}

func loadSigningKey(ctx context.Context, st *store, now time.Time) (*signingKey, error) {
	kid, pemText, err := st.signingKeyPEM(ctx)
	var priv *rsa.PrivateKey
	switch {
	case errors.Is(err, ErrNotFound):
		if priv, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			return nil, fmt.Errorf("generate signing key: %w", err)
		}
		kid = "sandbox-" + now.UTC().Format("20060102") + "-" + randomString(6, base62)
		der := x509.MarshalPKCS1PrivateKey(priv)
		pemText = string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: der}))
		if err := st.saveSigningKey(ctx, kid, pemText, now); err != nil {
			return nil, fmt.Errorf("save signing key: %w", err)
		}
	case err != nil:
		return nil, fmt.Errorf("load signing key: %w", err)
	default:
		block, _ := pem.Decode([]byte(pemText))
		if block == nil {
			return nil, errors.New("load signing key: stored key is not PEM")
		}
		if priv, err = x509.ParsePKCS1PrivateKey(block.Bytes); err != nil {
			return nil, fmt.Errorf("load signing key: %w", err)
		}
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: priv, KeyID: kid}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	return &signingKey{kid: kid, priv: priv, signer: signer}, nil
}

// JWKS is the public key set served at /oauth/jwks.
func (k *signingKey) JWKS() jose.JSONWebKeySet {
	return jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{
		Key: &k.priv.PublicKey, KeyID: k.kid, Algorithm: string(jose.RS256), Use: "sig",
	}}}
}

// Sign serialises claims as a compact RS256 JWS.
func (k *signingKey) Sign(claims any) (string, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	obj, err := k.signer.Sign(payload)
	if err != nil {
		return "", err
	}
	return obj.CompactSerialize()
}
