package solanasim

import (
	"encoding/json"
	"fmt"
)

// JSON-RPC and Solana error codes the simulator emits.
const (
	// CodeParseError: the body is not JSON.
	CodeParseError = -32700
	// CodeInvalidRequest: JSON, but not a JSON-RPC 2.0 request.
	CodeInvalidRequest = -32600
	// CodeMethodNotFound: the method is not simulated.
	CodeMethodNotFound = -32601
	// CodeInvalidParams: wrong arity or a malformed pubkey, signature or
	// transaction ("Invalid param: WrongSize").
	CodeInvalidParams = -32602
	// CodeInternalError: the simulator could not encode its own answer.
	CodeInternalError = -32603
	// CodePreflightFailure: sendTransaction's simulated bank refused the
	// transaction (unknown blockhash, duplicate, insufficient funds).
	CodePreflightFailure = -32002
	// CodeSignatureFailure: sendTransaction got a transaction whose
	// signatures do not verify.
	CodeSignatureFailure = -32003
	// CodeNodeUnhealthy: getHealth in ModeBehind or ModeUnknown.
	CodeNodeUnhealthy = -32005
	// CodeBlockCleanedUp: getBlock/getBlockTime for a slot older than the
	// kept history.
	CodeBlockCleanedUp = -32001
	// CodeBlockNotAvailable: getBlock/getBlockTime for a slot not yet at
	// the requested commitment.
	CodeBlockNotAvailable = -32004
	// CodeUnsupportedTransactionVersion: a v0 transaction asked for
	// without maxSupportedTransactionVersion.
	CodeUnsupportedTransactionVersion = -32015
	// CodeMinContextSlot: minContextSlot is ahead of the commitment's slot.
	CodeMinContextSlot = -32016
)

// request is one JSON-RPC call. ID stays raw so string ids (solana-go sends
// UUIDs) are echoed byte for byte.
type request struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Method  *string         `json:"method"`
	Params  json.RawMessage `json:"params"`
}

// response carries only the four envelope fields: solana-go decodes it with
// DisallowUnknownFields.
type response struct {
	JSONRPC string          `json:"jsonrpc"`
	Result  json.RawMessage `json:"result,omitempty"`
	Error   *rpcError       `json:"error,omitempty"`
	ID      json.RawMessage `json:"id"`
}

// rpcError is the JSON-RPC error object; data is omitted when nil.
type rpcError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Data    any    `json:"data,omitempty"`
}

func errParse() *rpcError { return &rpcError{Code: CodeParseError, Message: "Parse error"} }

func errInvalidRequest() *rpcError {
	return &rpcError{Code: CodeInvalidRequest, Message: "Invalid request"}
}

func errMethodNotFound() *rpcError {
	return &rpcError{Code: CodeMethodNotFound, Message: "Method not found"}
}

func errInvalidParams(format string, args ...any) *rpcError {
	return &rpcError{Code: CodeInvalidParams, Message: fmt.Sprintf(format, args...)}
}

func errInternal() *rpcError { return &rpcError{Code: CodeInternalError, Message: "Internal error"} }

// orNull gives a response to a request whose id could not be read the id
// null, as JSON-RPC 2.0 requires.
func orNull(id json.RawMessage) json.RawMessage {
	if len(id) == 0 {
		return json.RawMessage("null")
	}
	return id
}

func errorResponse(id json.RawMessage, e *rpcError) response {
	return response{JSONRPC: "2.0", Error: e, ID: orNull(id)}
}

func resultResponse(id json.RawMessage, result any) response {
	id = orNull(id)
	b, err := json.Marshal(result)
	if err != nil {
		return errorResponse(id, errInternal())
	}
	return response{JSONRPC: "2.0", Result: b, ID: id}
}
