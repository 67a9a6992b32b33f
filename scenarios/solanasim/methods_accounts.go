package solanasim

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"math"
	"sort"

	"github.com/gagliardetto/solana-go"
	"github.com/mr-tron/base58"
)

// Agave's input caps.
const (
	maxMultipleAccounts = 100 // MAX_MULTIPLE_ACCOUNTS
	maxFilters          = 4   // MAX_GET_PROGRAM_ACCOUNT_FILTERS
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

// state is the program account as the ledger stores it at genesis.
func (p programAccount) state() accountState {
	return accountState{
		lamports:   rentExemptMinimum(uint64(len(p.data))),
		owner:      solana.BPFLoaderUpgradeableProgramID,
		data:       p.data,
		executable: true,
	}
}

// dataSlice is the optional {"offset","length"} window on account data.
type dataSlice struct {
	Offset uint64 `json:"offset"`
	Length uint64 `json:"length"`
}

// accountConfig is the config of account reads and account subscriptions.
type accountConfig struct {
	commitmentConfig
	Encoding  string     `json:"encoding"`
	DataSlice *dataSlice `json:"dataSlice"`
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

// keyedJSON is one entry of getProgramAccounts and programNotification.
type keyedJSON struct {
	Pubkey  solana.PublicKey `json:"pubkey"`
	Account *account         `json:"account"`
}

// checkEncoding refuses encodings the simulator cannot produce.
func checkEncoding(enc string) *rpcError {
	switch enc {
	case "base58", "base64", "jsonParsed":
		return nil
	}
	return errInvalidParams("Invalid params: encoding %q is not simulated: use base64 or base58", enc)
}

// encodeAccount renders st per the requested encoding and data slice; a
// missing account (no lamports) is nil, JSON null.
func encodeAccount(st accountState, cfg accountConfig) *account {
	if st.lamports == 0 {
		return nil
	}
	return renderAccount(st, cfg)
}

// renderAccount renders st, existing or not.
func renderAccount(st accountState, cfg accountConfig) *account {
	raw := st.data
	if ds := cfg.DataSlice; ds != nil {
		start := min(ds.Offset, uint64(len(raw)))
		end := start + min(ds.Length, uint64(len(raw))-start)
		raw = raw[start:end]
	}
	a := &account{
		Executable: st.executable,
		Lamports:   st.lamports,
		Owner:      st.owner,
		RentEpoch:  math.MaxUint64, // rent-exempt accounts never owe rent
		Space:      uint64(len(st.data)),
	}
	if cfg.Encoding == "base58" {
		a.Data = [2]string{base58.Encode(raw), "base58"}
	} else { // base64; jsonParsed falls back to base64 without a parser
		a.Data = [2]string{base64.StdEncoding.EncodeToString(raw), "base64"}
	}
	return a
}

// parseAccountConfig decodes an account config with agave's default
// encoding; the commitment is left to the caller (reads check
// minContextSlot, subscriptions do not).
func parseAccountConfig(raw json.RawMessage) (accountConfig, *rpcError) {
	cfg := accountConfig{Encoding: "base58"} // agave's default
	if e := configParam(raw, &cfg); e != nil {
		return cfg, e
	}
	return cfg, checkEncoding(cfg.Encoding)
}

// readAccountConfig decodes an account config and resolves its commitment.
func (s *Sim) readAccountConfig(raw json.RawMessage) (accountConfig, commitment, *rpcError) {
	cfg, e := parseAccountConfig(raw)
	if e != nil {
		return cfg, 0, e
	}
	c, e := s.readCommitment(cfg.commitmentConfig)
	return cfg, c, e
}

func (s *Sim) getAccountInfo(params json.RawMessage) (any, *rpcError) {
	pk, args, e := leading(params, 1, 2, pubkeyParam)
	if e != nil {
		return nil, e
	}
	cfg, c, e := s.readAccountConfig(optional(args, 1))
	if e != nil {
		return nil, e
	}
	st, slot := s.ledger.account(pk, c)
	return withContext{Context: s.context(slot), Value: encodeAccount(st, cfg)}, nil
}

func (s *Sim) getMultipleAccounts(params json.RawMessage) (any, *rpcError) {
	pks, args, e := leading(params, 1, 2, func(raw json.RawMessage) ([]solana.PublicKey, *rpcError) {
		return pubkeysParam(raw, maxMultipleAccounts)
	})
	if e != nil {
		return nil, e
	}
	cfg, c, e := s.readAccountConfig(optional(args, 1))
	if e != nil {
		return nil, e
	}
	states, slot := s.ledger.accountsAt(pks, c)
	out := make([]*account, len(states))
	for i, st := range states {
		out[i] = encodeAccount(st, cfg)
	}
	return withContext{Context: s.context(slot), Value: out}, nil
}

// memcmp is a getProgramAccounts / programSubscribe memcmp filter.
type memcmp struct {
	Offset   uint64 `json:"offset"`
	Bytes    string `json:"bytes"`
	Encoding string `json:"encoding"`
}

// accountFilter is one filter: exactly one of its fields is set.
type accountFilter struct {
	DataSize *uint64 `json:"dataSize"`
	Memcmp   *memcmp `json:"memcmp"`
	raw      []byte  // decoded memcmp bytes
}

// programConfig is getProgramAccounts' and programSubscribe's config.
type programConfig struct {
	accountConfig
	Filters     []accountFilter `json:"filters"`
	WithContext bool            `json:"withContext"`
}

// checkFilters validates the filters and decodes memcmp bytes.
func checkFilters(fs []accountFilter) *rpcError {
	if len(fs) > maxFilters {
		return errInvalidParams("Too many filters provided; max %d", maxFilters)
	}
	for i := range fs {
		f := &fs[i]
		switch {
		case f.DataSize != nil && f.Memcmp == nil:
		case f.Memcmp != nil && f.DataSize == nil:
			var err error
			switch f.Memcmp.Encoding {
			case "", "base58":
				f.raw, err = base58.Decode(f.Memcmp.Bytes)
			case "base64":
				f.raw, err = base64.StdEncoding.DecodeString(f.Memcmp.Bytes)
			default:
				return errInvalidParams("Invalid params: memcmp encoding %q: use base58 or base64", f.Memcmp.Encoding)
			}
			if err != nil {
				return errInvalidParams("Invalid param: invalid memcmp bytes: %v", err)
			}
		default:
			return errInvalidParams("Invalid params: a filter sets exactly one of dataSize, memcmp")
		}
	}
	return nil
}

// matches reports whether st passes every filter.
func matches(st accountState, fs []accountFilter) bool {
	for _, f := range fs {
		if f.DataSize != nil && uint64(len(st.data)) != *f.DataSize {
			return false
		}
		if f.Memcmp != nil {
			off := f.Memcmp.Offset
			if off > uint64(len(st.data)) || !bytes.HasPrefix(st.data[off:], f.raw) {
				return false
			}
		}
	}
	return true
}

// parseProgramArgs reads [program, config?] of getProgramAccounts and
// programSubscribe; the commitment is left to the caller.
func parseProgramArgs(params json.RawMessage) (solana.PublicKey, programConfig, *rpcError) {
	cfg := programConfig{accountConfig: accountConfig{Encoding: "base58"}}
	program, args, e := leading(params, 1, 2, pubkeyParam)
	if e == nil {
		e = configParam(optional(args, 1), &cfg)
	}
	if e == nil {
		e = checkEncoding(cfg.Encoding)
	}
	if e == nil {
		e = checkFilters(cfg.Filters)
	}
	return program, cfg, e
}

func (s *Sim) getProgramAccounts(params json.RawMessage) (any, *rpcError) {
	program, cfg, e := parseProgramArgs(params)
	if e != nil {
		return nil, e
	}
	c, e := s.readCommitment(cfg.commitmentConfig)
	if e != nil {
		return nil, e
	}
	all, slot := s.ledger.programAccounts(program, c)
	sort.Slice(all, func(i, j int) bool { return bytes.Compare(all[i].pubkey[:], all[j].pubkey[:]) < 0 })
	out := []keyedJSON{}
	for _, ka := range all {
		if matches(ka.state, cfg.Filters) {
			out = append(out, keyedJSON{ka.pubkey, encodeAccount(ka.state, cfg.accountConfig)})
		}
	}
	if cfg.WithContext {
		return withContext{Context: s.context(slot), Value: out}, nil
	}
	return out, nil
}

func (s *Sim) getBalance(params json.RawMessage) (any, *rpcError) {
	pk, args, e := leading(params, 1, 2, pubkeyParam)
	if e != nil {
		return nil, e
	}
	c, e := s.commitmentArg(optional(args, 1))
	if e != nil {
		return nil, e
	}
	st, slot := s.ledger.account(pk, c)
	return withContext{Context: s.context(slot), Value: st.lamports}, nil
}

// requestAirdrop has the faucet sign and send a system transfer, as
// agave's faucet does; there is no faucet limit. Asking twice for the same
// amount within one slot builds the same transaction: the second is a
// duplicate and answers with the first one's signature.
func (s *Sim) requestAirdrop(params json.RawMessage) (any, *rpcError) {
	pk, args, e := leading(params, 2, 3, pubkeyParam)
	if e != nil {
		return nil, e
	}
	lamports, e := uintParam(args[1], "lamports")
	if e != nil {
		return nil, e
	}
	if _, e := s.commitmentArg(optional(args, 2)); e != nil {
		return nil, e
	}
	sig, err := s.airdrop(pk, lamports)
	if err != nil {
		return nil, &rpcError{Code: CodeInternalError, Message: "airdrop request failed: " + err.Error()}
	}
	return sig.String(), nil
}
