package solanasim

import (
	"bytes"
	"encoding/json"

	"github.com/gagliardetto/solana-go"
	"github.com/mr-tron/base58"
)

// positional splits params into between min and max positional arguments;
// absent and null params count as none.
func positional(raw json.RawMessage, min, max int) ([]json.RawMessage, *rpcError) {
	var args []json.RawMessage
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) != 0 && !bytes.Equal(trimmed, []byte("null")) {
		if err := json.Unmarshal(trimmed, &args); err != nil {
			return nil, errInvalidParams("Invalid params: expected an array of parameters")
		}
	}
	if len(args) < min || len(args) > max {
		return nil, errInvalidParams("Invalid params: expected %d to %d parameters, got %d", min, max, len(args))
	}
	return args, nil
}

// optional returns argument i, or nil when it was not given.
func optional(args []json.RawMessage, i int) json.RawMessage {
	if i < len(args) {
		return args[i]
	}
	return nil
}

// decodeBase58 mirrors agave's Pubkey/Signature FromStr: over-long input and
// wrong decoded length are WrongSize, undecodable input is Invalid.
func decodeBase58(raw json.RawMessage, size, maxLen int) ([]byte, *rpcError) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, errInvalidParams("Invalid params: expected a base-58 string")
	}
	if len(s) > maxLen {
		return nil, errInvalidParams("Invalid param: WrongSize")
	}
	b, err := base58.Decode(s)
	if err != nil {
		return nil, errInvalidParams("Invalid param: Invalid")
	}
	if len(b) != size {
		return nil, errInvalidParams("Invalid param: WrongSize")
	}
	return b, nil
}

func pubkeyParam(raw json.RawMessage) (solana.PublicKey, *rpcError) {
	b, e := decodeBase58(raw, solana.PublicKeyLength, 44)
	if e != nil {
		return solana.PublicKey{}, e
	}
	return solana.PublicKeyFromBytes(b), nil
}

func signatureParam(raw json.RawMessage) (solana.Signature, *rpcError) {
	b, e := decodeBase58(raw, solana.SignatureLength, 88)
	if e != nil {
		return solana.Signature{}, e
	}
	return solana.SignatureFromBytes(b), nil
}

// uintParam decodes a non-negative integer argument.
func uintParam(raw json.RawMessage, what string) (uint64, *rpcError) {
	var n uint64
	if err := json.Unmarshal(raw, &n); err != nil {
		return 0, errInvalidParams("Invalid params: %s must be a non-negative integer", what)
	}
	return n, nil
}

// configParam decodes an optional config object into v; absent is fine.
func configParam(raw json.RawMessage, v any) *rpcError {
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 || bytes.Equal(trimmed, []byte("null")) {
		return nil
	}
	if err := json.Unmarshal(trimmed, v); err != nil {
		return errInvalidParams("Invalid params: config must be an object: %v", err)
	}
	return nil
}

// pubkeysParam decodes an array of at most max pubkeys ("Too many inputs
// provided; max N" past that, as agave).
func pubkeysParam(raw json.RawMessage, max int) ([]solana.PublicKey, *rpcError) {
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, errInvalidParams("Invalid params: expected an array of base-58 pubkeys")
	}
	return pubkeysList(list, max)
}

func pubkeysList(list []json.RawMessage, max int) ([]solana.PublicKey, *rpcError) {
	if len(list) > max {
		return nil, errInvalidParams("Too many inputs provided; max %d", max)
	}
	out := make([]solana.PublicKey, len(list))
	for i, raw := range list {
		pk, e := pubkeyParam(raw)
		if e != nil {
			return nil, e
		}
		out[i] = pk
	}
	return out, nil
}

// leading splits params into between min and max positional arguments (min
// at least 1) and decodes the first with parse: the [pubkey, config?] and
// [slot, ...] shape most methods take.
func leading[T any](raw json.RawMessage, min, max int, parse func(json.RawMessage) (T, *rpcError)) (T, []json.RawMessage, *rpcError) {
	var first T
	args, e := positional(raw, min, max)
	if e != nil {
		return first, nil, e
	}
	if first, e = parse(args[0]); e != nil {
		return first, nil, e
	}
	return first, args, nil
}

// uintNamed is uintParam for leading: what names the argument in errors.
func uintNamed(what string) func(json.RawMessage) (uint64, *rpcError) {
	return func(raw json.RawMessage) (uint64, *rpcError) { return uintParam(raw, what) }
}
