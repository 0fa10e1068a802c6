// Package archtest holds the test that pins gox's architecture (DESIGN
// section 6): which package may import which. It has no code of its own.
package archtest
