package solanasim

import (
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"strconv"
)

// shredVersion is what getClusterNodes reports; any fixed value will do
// for a one-node cluster.
const shredVersion = 5_402

// activatedStake is the single validator's stake: all of it.
const activatedStake = 500_000 * 1_000_000_000

func (s *Sim) getGenesisHash(params json.RawMessage) (any, *rpcError) {
	if _, e := positional(params, 0, 0); e != nil {
		return nil, e
	}
	return s.keys.genesis.String(), nil
}

func (s *Sim) getIdentity(params json.RawMessage) (any, *rpcError) {
	if _, e := positional(params, 0, 0); e != nil {
		return nil, e
	}
	return map[string]string{"identity": s.keys.identity.PublicKey().String()}, nil
}

// getSlotLeader is always this node: it is the whole cluster.
func (s *Sim) getSlotLeader(params json.RawMessage) (any, *rpcError) {
	if _, e := s.commitmentOnly(params); e != nil {
		return nil, e
	}
	return s.keys.identity.PublicKey().String(), nil
}

func (s *Sim) getTransactionCount(params json.RawMessage) (any, *rpcError) {
	if _, e := s.commitmentOnly(params); e != nil {
		return nil, e
	}
	_, n := s.ledger.snapshot()
	return n, nil
}

func (s *Sim) getEpochSchedule(params json.RawMessage) (any, *rpcError) {
	if _, e := positional(params, 0, 0); e != nil {
		return nil, e
	}
	return map[string]any{
		"slotsPerEpoch": slotsInEpoch, "leaderScheduleSlotOffset": slotsInEpoch,
		"warmup": false, "firstNormalEpoch": 0, "firstNormalSlot": 0,
	}, nil
}

// clusterNode is one entry of getClusterNodes; addresses this node does not
// serve are null.
type clusterNode struct {
	Pubkey       string  `json:"pubkey"`
	Gossip       *string `json:"gossip"`
	TPU          *string `json:"tpu"`
	TPUQuic      *string `json:"tpuQuic"`
	RPC          *string `json:"rpc"`
	PubSub       *string `json:"pubsub"`
	Version      string  `json:"version"`
	FeatureSet   uint32  `json:"featureSet"`
	ShredVersion uint16  `json:"shredVersion"`
}

// getClusterNodes lists the one node. rpc and pubsub are Options.RPCAddr
// and its port + 1, or null when it is not set; there is no gossip or TPU.
func (s *Sim) getClusterNodes(params json.RawMessage) (any, *rpcError) {
	if _, e := positional(params, 0, 0); e != nil {
		return nil, e
	}
	n := clusterNode{
		Pubkey:       s.keys.identity.PublicKey().String(),
		Version:      solanaCoreVersion,
		FeatureSet:   featureSet,
		ShredVersion: shredVersion,
	}
	if s.opts.RPCAddr != "" {
		rpc := s.opts.RPCAddr
		n.RPC = &rpc
		if ws, err := NextPort(rpc); err == nil {
			n.PubSub = &ws
		}
	}
	return []clusterNode{n}, nil
}

// NextPort returns addr with its port plus one: the PubSub address a
// validator serves beside RPC address addr, and the one clients derive.
func NextPort(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", err
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil || p == 0 || p == 65535 {
		return "", &net.AddrError{Err: "port has no next port", Addr: addr}
	}
	return net.JoinHostPort(host, strconv.FormatUint(p+1, 10)), nil
}

// getVoteAccounts reports this node's vote account as current, voting on
// the processed slot with the root as its root.
func (s *Sim) getVoteAccounts(params json.RawMessage) (any, *rpcError) {
	args, e := positional(params, 0, 1)
	if e != nil {
		return nil, e
	}
	var cfg struct {
		commitmentConfig
		VotePubkey string `json:"votePubkey"`
	}
	if e := configParam(optional(args, 0), &cfg); e != nil {
		return nil, e
	}
	if _, e := s.readCommitment(cfg.commitmentConfig); e != nil {
		return nil, e
	}
	type voteAccount struct {
		VotePubkey       string     `json:"votePubkey"`
		NodePubkey       string     `json:"nodePubkey"`
		ActivatedStake   uint64     `json:"activatedStake"`
		EpochVoteAccount bool       `json:"epochVoteAccount"`
		Commission       uint8      `json:"commission"`
		LastVote         uint64     `json:"lastVote"`
		EpochCredits     [][]uint64 `json:"epochCredits"`
		RootSlot         uint64     `json:"rootSlot"`
	}
	current := []voteAccount{}
	if cfg.VotePubkey == "" || cfg.VotePubkey == s.keys.vote.String() {
		last, root := s.ledger.slotAt(commitProcessed), s.ledger.slotAt(commitFinalized)
		current = append(current, voteAccount{
			VotePubkey: s.keys.vote.String(), NodePubkey: s.keys.identity.PublicKey().String(),
			ActivatedStake: activatedStake, EpochVoteAccount: true, LastVote: last,
			EpochCredits: [][]uint64{{last / slotsInEpoch, root, 0}}, RootSlot: root,
		})
	}
	return map[string]any{"current": current, "delinquent": []voteAccount{}}, nil
}

// PubSubURL derives the websocket URL clients use from an RPC URL, as the
// Solana CLI does: http→ws, https→wss, port + 1 (8899 → 8900).
func PubSubURL(rpcURL string) (string, error) {
	u, err := url.Parse(rpcURL)
	if err != nil {
		return "", err
	}
	switch u.Scheme {
	case "http":
		u.Scheme = "ws"
	case "https":
		u.Scheme = "wss"
	default:
		return "", fmt.Errorf("rpc URL %q: scheme must be http or https", rpcURL)
	}
	if u.Port() != "" {
		if u.Host, err = NextPort(u.Host); err != nil {
			return "", err
		}
	}
	return u.String(), nil
}
