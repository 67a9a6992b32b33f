package solanasim

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"math"

	"github.com/gagliardetto/solana-go"
	"github.com/mr-tron/base58"
)

// programAccount is the preloaded upgradeable program: the account a
// deployed program has after `solana program deploy`.
type programAccount struct {
	id   solana.PublicKey
	data []byte // u32 LE 2 (UpgradeableLoaderState::Program) + programdata address
}

// newProgramAccount derives the programdata address the way the upgradeable
// loader does: the PDA of [program id] under BPFLoaderUpgradeable.
func newProgramAccount(id solana.PublicKey) programAccount {
	programData, _, err := solana.FindProgramAddress([][]byte{id[:]}, solana.BPFLoaderUpgradeableProgramID)
	if err != nil {
		// No bump gives an off-curve address: astronomically unlikely; fall
		// back to a fixed address rather than fail construction.
		programData = solana.BPFLoaderUpgradeableProgramID
	}
	data := binary.LittleEndian.AppendUint32(nil, 2)
	return programAccount{id: id, data: append(data, programData[:]...)}
}

// accountInfoConfig is getAccountInfo's optional config.
type accountInfoConfig struct {
	commitmentConfig
	Encoding  string `json:"encoding"`
	DataSlice *struct {
		Offset uint64 `json:"offset"`
		Length uint64 `json:"length"`
	} `json:"dataSlice"`
}

// account is the JSON shape of one account.
type account struct {
	Data       [2]string        `json:"data"`
	Executable bool             `json:"executable"`
	Lamports   uint64           `json:"lamports"`
	Owner      solana.PublicKey `json:"owner"`
	RentEpoch  uint64           `json:"rentEpoch"`
	Space      uint64           `json:"space"`
}

func (s *Sim) getAccountInfo(params json.RawMessage) (any, *rpcError) {
	cfg := accountInfoConfig{Encoding: "base58"} // agave's default
	pk, e := pubkeyAndConfig(params, &cfg)
	if e != nil {
		return nil, e
	}
	lamports, slot := s.ledger.balance(pk)
	var acct *account
	switch {
	case pk == s.program.id:
		acct = &account{
			Executable: true,
			Lamports:   rentExemptMinimum(uint64(len(s.program.data))),
			Owner:      solana.BPFLoaderUpgradeableProgramID,
			Space:      uint64(len(s.program.data)),
		}
		e = acct.encode(s.program.data, cfg)
	case lamports > 0:
		acct = &account{Lamports: lamports, Owner: solana.SystemProgramID}
		e = acct.encode(nil, cfg)
	}
	if e != nil {
		return nil, e
	}
	return withContext{Context: s.context(slot), Value: acct}, nil
}

// encode fills Data from raw per the requested encoding and data slice.
func (a *account) encode(raw []byte, cfg accountInfoConfig) *rpcError {
	a.RentEpoch = math.MaxUint64 // rent-exempt accounts never owe rent
	if ds := cfg.DataSlice; ds != nil {
		start := min(ds.Offset, uint64(len(raw)))
		end := start + min(ds.Length, uint64(len(raw))-start)
		raw = raw[start:end]
	}
	switch cfg.Encoding {
	case "base58":
		a.Data = [2]string{base58.Encode(raw), "base58"}
	case "base64", "jsonParsed": // jsonParsed falls back to base64 without a parser
		a.Data = [2]string{base64.StdEncoding.EncodeToString(raw), "base64"}
	default:
		return errInvalidParams("Invalid params: encoding %q is not simulated: use base64 or base58", cfg.Encoding)
	}
	return nil
}

// pubkeyAndConfig reads the [pubkey, config?] params of account reads.
func pubkeyAndConfig(params json.RawMessage, cfg any) (solana.PublicKey, *rpcError) {
	args, e := positional(params, 1, 2)
	if e != nil {
		return solana.PublicKey{}, e
	}
	pk, e := pubkeyParam(args[0])
	if e != nil {
		return solana.PublicKey{}, e
	}
	return pk, configParam(optional(args, 1), cfg)
}

func (s *Sim) getBalance(params json.RawMessage) (any, *rpcError) {
	pk, e := pubkeyAndConfig(params, &commitmentConfig{})
	if e != nil {
		return nil, e
	}
	lamports, slot := s.ledger.balance(pk)
	if pk == s.program.id {
		lamports = rentExemptMinimum(uint64(len(s.program.data)))
	}
	return withContext{Context: s.context(slot), Value: lamports}, nil
}

// requestAirdrop credits the account at once and records a finalized
// signature; there is no faucet limit.
func (s *Sim) requestAirdrop(params json.RawMessage) (any, *rpcError) {
	args, e := positional(params, 2, 3)
	if e != nil {
		return nil, e
	}
	pk, e := pubkeyParam(args[0])
	if e != nil {
		return nil, e
	}
	lamports, e := uintParam(args[1], "lamports")
	if e != nil {
		return nil, e
	}
	if e := configParam(optional(args, 2), &commitmentConfig{}); e != nil {
		return nil, e
	}
	return s.ledger.airdrop(pk, lamports).String(), nil
}
