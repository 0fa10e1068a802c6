// Package shop is the example store's data: products and their stock in
// the store's own SQLite database (not gox's page cache), seeded on first
// start.
//
// Example:
//
//	db, _ := shop.Open("data/shop.db")
//	p, err := db.Product(ctx, 1)
package shop

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	_ "github.com/mattn/go-sqlite3" // database/sql driver "sqlite3"
)

// Errors of the shop.
var (
	// ErrNoProduct reports an unknown product id.
	ErrNoProduct = errors.New("no such product")
	// ErrOutOfStock reports a purchase of more than the stock left.
	ErrOutOfStock = errors.New("not enough stock")
)

// Product is one product for sale.
type Product struct {
	ID          int
	Name        string
	Description string
	PriceCents  int
	Stock       int
}

// DB is the shop's database.
type DB struct{ sql *sql.DB }

var seed = []Product{
	{1, "Gopher plush", "A soft gopher, 30 cm, machine washable.", 2400, 10},
	{2, "Mechanical keyboard", "Tactile switches, for long compile times.", 12900, 5},
	{3, "Coffee mug", "Holds 350 ml of whatever keeps you going.", 1400, 40},
	{4, "Sticker pack", "Twelve stickers for a laptop that compiles fast.", 500, 100},
	{5, "Hoodie", "Warm, grey, with a small embroidered logo.", 5900, 12},
	{6, "Notebook", "Dotted pages for sketching routes and caches.", 1200, 30},
}

// Open opens (creating and seeding if needed) the database at path.
func Open(path string) (*DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("shop open: %w", err)
	}
	db, err := sql.Open("sqlite3", "file:"+path+"?_journal_mode=WAL&_busy_timeout=5000&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("shop open: %w", err)
	}
	if _, err := db.Exec(`CREATE TABLE IF NOT EXISTS products (
		id INTEGER PRIMARY KEY, name TEXT NOT NULL, description TEXT NOT NULL,
		price_cents INTEGER NOT NULL, stock INTEGER NOT NULL CHECK (stock >= 0))`); err != nil {
		db.Close()
		return nil, fmt.Errorf("shop schema: %w", err)
	}
	for _, p := range seed {
		if _, err := db.Exec(`INSERT OR IGNORE INTO products VALUES (?, ?, ?, ?, ?)`,
			p.ID, p.Name, p.Description, p.PriceCents, p.Stock); err != nil {
			db.Close()
			return nil, fmt.Errorf("shop seed: %w", err)
		}
	}
	return &DB{sql: db}, nil
}

var (
	defaultOnce sync.Once
	defaultDB   *DB
	defaultErr  error
)

// Default returns the database at $SHOP_DB (default data/shop.db), opened
// once.
func Default() (*DB, error) {
	defaultOnce.Do(func() {
		path := os.Getenv("SHOP_DB")
		if path == "" {
			path = filepath.Join("data", "shop.db")
		}
		defaultDB, defaultErr = Open(path)
	})
	return defaultDB, defaultErr
}

// Close closes the database.
func (db *DB) Close() error { return db.sql.Close() }

// Products returns every product by id.
func (db *DB) Products(ctx context.Context) ([]Product, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT id, name, description, price_cents, stock FROM products ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("shop products: %w", err)
	}
	defer rows.Close()
	var out []Product
	for rows.Next() {
		var p Product
		if err := rows.Scan(&p.ID, &p.Name, &p.Description, &p.PriceCents, &p.Stock); err != nil {
			return nil, fmt.Errorf("shop products: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Product returns the product id, or ErrNoProduct.
func (db *DB) Product(ctx context.Context, id int) (Product, error) {
	var p Product
	err := db.sql.QueryRowContext(ctx, `SELECT id, name, description, price_cents, stock FROM products WHERE id = ?`, id).
		Scan(&p.ID, &p.Name, &p.Description, &p.PriceCents, &p.Stock)
	if errors.Is(err, sql.ErrNoRows) {
		return Product{}, ErrNoProduct
	}
	if err != nil {
		return Product{}, fmt.Errorf("shop product %d: %w", id, err)
	}
	return p, nil
}

// Buy takes quantity items of product id from stock in one transaction, so
// two buyers can never take the same last item.
func (db *DB) Buy(ctx context.Context, id, quantity int) error {
	if quantity < 1 {
		return fmt.Errorf("shop buy: quantity %d: want at least 1", quantity)
	}
	res, err := db.sql.ExecContext(ctx, `UPDATE products SET stock = stock - ? WHERE id = ? AND stock >= ?`, quantity, id, quantity)
	if err != nil {
		return fmt.Errorf("shop buy %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := db.Product(ctx, id); err != nil {
			return err
		}
		return ErrOutOfStock
	}
	return nil
}

// Restock puts every product back to its seeded stock, as a demo's reset
// button would; tests start from it.
func (db *DB) Restock(ctx context.Context) error {
	for _, p := range seed {
		if _, err := db.sql.ExecContext(ctx, `UPDATE products SET stock = ? WHERE id = ?`, p.Stock, p.ID); err != nil {
			return fmt.Errorf("shop restock %d: %w", p.ID, err)
		}
	}
	return nil
}

// Price formats cents as dollars.
func Price(cents int) string { return fmt.Sprintf("$%d.%02d", cents/100, cents%100) }
