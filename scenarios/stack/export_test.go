package stack

// Poll is poll, for the external tests.
var Poll = poll
