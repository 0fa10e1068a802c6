// Package redistest runs a real redis-server for tests and benchmarks: on
// a unix socket in a temporary folder (or a free TCP port below 32768),
// with persistence off, stopped when the test ends. It can pause the server
// (SIGSTOP) and continue it, the way a hung or partitioned Redis looks to
// its clients.
//
// Example:
//
//	srv := redistest.Start(t)
//	st, err := redis.Open(redis.Options{Client: srv.Options(), Prefix: "test"})
package redistest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	crand "crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// Config chooses how the server listens and what else it is told.
type Config struct {
	// TCP makes the server listen on 127.0.0.1 at a free port below 32768
	// instead of a unix socket.
	TCP bool
	// TLS makes it listen with TLS only, on such a port, with a
	// certificate for 127.0.0.1 made for it (Options trusts it).
	TLS bool
	// Args are more redis-server arguments, e.g. "--maxmemory", "2mb".
	Args []string
	// Password, when set, is required of clients (--requirepass); the
	// Server's own client and Options carry it.
	Password string
	// Dir is the server's folder (its socket is Dir/redis.sock); empty
	// means a new temporary folder, removed by Stop.
	Dir string
}

// Server is a running redis-server.
type Server struct {
	// Dir is the server's own folder (socket, logs).
	Dir string
	// Network and Addr are how to reach it: "unix" and the socket path,
	// or "tcp" and 127.0.0.1:port.
	Network, Addr string

	cmd      *exec.Cmd
	password string
	roots    *x509.CertPool // the TLS server's certificate, when TLS
	ownDir   bool
	stopOnce sync.Once
	admin    *goredis.Client
}

// Start runs a redis-server for t and stops it when t ends. A machine
// without redis-server fails the test with how to install it.
func Start(t testing.TB, cfg ...Config) *Server {
	t.Helper()
	var c Config
	if len(cfg) > 0 {
		c = cfg[0]
	}
	s, err := Run(c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

// Run starts a redis-server; Stop it when done.
func Run(cfg Config) (*Server, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, errors.New("redis-server not found\nhint: run make redis (it installs Debian's redis-server)")
	}
	dir, own := cfg.Dir, cfg.Dir == ""
	if own {
		// A unix socket path must stay short (108 bytes): not under t.TempDir.
		if dir, err = os.MkdirTemp("", "gox-redis-"); err != nil {
			return nil, err
		}
	}
	for attempt := 0; ; attempt++ {
		s := &Server{Dir: dir, Network: "unix", Addr: filepath.Join(dir, "redis.sock"), ownDir: own, password: cfg.Password}
		args := []string{"--save", "", "--appendonly", "no", "--dir", dir, "--logfile", filepath.Join(dir, "redis.log")}
		if cfg.Password != "" {
			args = append(args, "--requirepass", cfg.Password)
		}
		if cfg.TCP || cfg.TLS {
			port, err := FreePort()
			if err != nil {
				s.removeDir()
				return nil, err
			}
			s.Network, s.Addr = "tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
			if cfg.TLS {
				tlsArgs, roots, err := selfSigned(dir)
				if err != nil {
					s.removeDir()
					return nil, err
				}
				s.roots = roots
				args = append(args, "--port", "0", "--tls-port", strconv.Itoa(port), "--bind", "127.0.0.1")
				args = append(args, tlsArgs...)
			} else {
				args = append(args, "--port", strconv.Itoa(port), "--bind", "127.0.0.1")
			}
		} else {
			args = append(args, "--port", "0", "--unixsocket", s.Addr, "--unixsocketperm", "700")
		}
		s.cmd = exec.Command(bin, append(args, cfg.Args...)...)
		if err := s.cmd.Start(); err != nil {
			s.removeDir()
			return nil, fmt.Errorf("start redis-server: %w", err)
		}
		s.admin = goredis.NewClient(s.Options())
		if err := s.waitReady(); err != nil {
			s.Stop()
			if (cfg.TCP || cfg.TLS) && attempt < 5 {
				// Another program took the port between the probe and
				// the start: try another.
				if own {
					if dir, err = os.MkdirTemp("", "gox-redis-"); err != nil {
						return nil, err
					}
				}
				continue
			}
			return nil, err
		}
		return s, nil
	}
}

// FreePort returns a TCP port below 32768 (under Linux's ephemeral range)
// that nothing listens on now.
func FreePort() (int, error) {
	for range 100 {
		port := 10000 + rand.IntN(22000)
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			continue
		}
		ln.Close()
		return port, nil
	}
	return 0, errors.New("no free TCP port below 32768")
}

// waitReady waits until the server answers PING.
func (s *Server) waitReady() error {
	exited := make(chan error, 1)
	go func() { exited <- s.cmd.Wait() }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := s.admin.Ping(ctx).Err()
		cancel()
		if err == nil {
			go func() { <-exited }()
			return nil
		}
		select {
		case werr := <-exited:
			log, _ := os.ReadFile(filepath.Join(s.Dir, "redis.log"))
			return fmt.Errorf("redis-server exited (%v) before answering: %s", werr, lastLines(string(log), 5))
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("redis-server did not answer within 10 s: %w", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// Options returns client options that reach the server.
func (s *Server) Options() *goredis.Options {
	o := &goredis.Options{Network: s.Network, Addr: s.Addr, Password: s.password}
	if s.roots != nil {
		o.TLSConfig = &tls.Config{RootCAs: s.roots, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
	}
	return o
}

// selfSigned writes a certificate for 127.0.0.1 and its key to dir and
// returns redis-server's TLS arguments and a pool that trusts it.
func selfSigned(dir string) ([]string, *x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), crand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "redistest"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(crand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	certPath, keyPath := filepath.Join(dir, "redis.crt"), filepath.Join(dir, "redis.key")
	if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		return nil, nil, err
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return nil, nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return []string{"--tls-cert-file", certPath, "--tls-key-file", keyPath, "--tls-ca-cert-file", certPath, "--tls-auth-clients", "no"}, pool, nil
}

// URL returns the server's address as GOX_CACHE takes it (without the
// password; for a TLS server, rediss:// without the certificate, which
// Options carries).
func (s *Server) URL() string {
	switch {
	case s.Network == "unix":
		return "unix://" + s.Addr
	case s.roots != nil:
		return "rediss://" + s.Addr + "/0"
	}
	return "redis://" + s.Addr + "/0"
}

// Do runs one command on the server, for a test's own checks and faults
// (CLIENT KILL, CONFIG SET, INFO).
func (s *Server) Do(ctx context.Context, args ...any) (any, error) {
	return s.admin.Do(ctx, args...).Result()
}

// Client returns the server's admin client, which the Server closes.
func (s *Server) Client() *goredis.Client { return s.admin }

// Pause stops the server with SIGSTOP: connections stay open and new ones
// are accepted by the kernel, but nothing is answered.
func (s *Server) Pause() error { return s.cmd.Process.Signal(syscall.SIGSTOP) }

// Continue resumes a paused server.
func (s *Server) Continue() error { return s.cmd.Process.Signal(syscall.SIGCONT) }

// Stop kills the server and removes its folder; it may be called again.
func (s *Server) Stop() {
	s.stopOnce.Do(func() {
		if s.admin != nil {
			s.admin.Close()
		}
		if s.cmd.Process != nil {
			s.cmd.Process.Signal(syscall.SIGCONT)
			s.cmd.Process.Kill()
			// waitReady's goroutine reaps the process; wait until it is gone.
			for range 500 {
				if err := s.cmd.Process.Signal(syscall.Signal(0)); err != nil {
					break
				}
				time.Sleep(2 * time.Millisecond)
			}
		}
		s.removeDir()
	})
}

// removeDir removes the server's folder if Run made it, else its socket
// and log.
func (s *Server) removeDir() {
	if s.ownDir {
		os.RemoveAll(s.Dir)
		return
	}
	os.Remove(filepath.Join(s.Dir, "redis.sock"))
	os.Remove(filepath.Join(s.Dir, "redis.log"))
}
