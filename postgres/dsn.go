package postgres

import (
	"net/url"
	"strings"
)

// IsURL reports whether db names a PostgreSQL database rather than a
// SQLite file: a postgres:// or postgresql:// URL, or a libpq key=value
// connection string ("host=db dbname=contactd ...").
func IsURL(db string) bool {
	l := strings.ToLower(db)
	return strings.HasPrefix(l, "postgres://") || strings.HasPrefix(l, "postgresql://") || isKeyValue(db)
}

// isKeyValue reports whether s starts as a libpq key=value connection
// string: a keyword of lower-case letters and underscores, then "=".
func isKeyValue(s string) bool {
	s = strings.TrimLeft(s, " \t\n\r")
	i := 0
	for i < len(s) && (s[i] >= 'a' && s[i] <= 'z' || s[i] == '_') {
		i++
	}
	if i == 0 {
		return false
	}
	return strings.HasPrefix(strings.TrimLeft(s[i:], " \t"), "=")
}

// redactedSecret stands for a password in a redacted connection string.
const redactedSecret = "xxxxx"

// isSecret reports whether a connection setting holds a secret (password,
// sslpassword, ...).
func isSecret(key string) bool { return strings.Contains(strings.ToLower(key), "password") }

// Redact is a connection string as messages and logs may show it: every
// password hidden, in the URL's user information, in its query
// (?password=, ?sslpassword=) and in the key=value form. Anything that is
// not a PostgreSQL connection string is returned as it is; one that does
// not parse is not shown at all.
func Redact(db string) string {
	l := strings.ToLower(db)
	if strings.HasPrefix(l, "postgres://") || strings.HasPrefix(l, "postgresql://") {
		u, err := url.Parse(db)
		if err != nil {
			return "(a PostgreSQL URL that does not parse)"
		}
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), redactedSecret)
		}
		q := u.Query()
		hidden := false
		for k := range q {
			if isSecret(k) {
				q.Set(k, redactedSecret)
				hidden = true
			}
		}
		if hidden {
			u.RawQuery = q.Encode()
		}
		return u.String()
	}
	if !isKeyValue(db) {
		return db
	}
	pairs, ok := splitKeyValue(db)
	if !ok {
		return "(a PostgreSQL connection string that does not parse)"
	}
	var b strings.Builder
	for i, kv := range pairs {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(kv[0])
		b.WriteByte('=')
		if isSecret(kv[0]) {
			b.WriteString(redactedSecret)
		} else {
			b.WriteString(kv[1])
		}
	}
	return b.String()
}

// splitKeyValue splits a libpq key=value connection string into its
// pairs, each value as written (quoted values keep their quotes). It is
// written by hand because pgx parses such strings only into a
// configuration, and the messages need the string itself, less its
// secrets.
func splitKeyValue(s string) ([][2]string, bool) {
	var pairs [][2]string
	i := 0
	skip := func() {
		for i < len(s) && strings.IndexByte(" \t\n\r", s[i]) >= 0 {
			i++
		}
	}
	for {
		skip()
		if i == len(s) {
			return pairs, true
		}
		start := i
		for i < len(s) && s[i] != '=' && strings.IndexByte(" \t\n\r", s[i]) < 0 {
			i++
		}
		key := s[start:i]
		skip()
		if key == "" || i == len(s) || s[i] != '=' {
			return nil, false
		}
		i++
		skip()
		start = i
		if i < len(s) && s[i] == '\'' {
			for i++; i < len(s) && s[i] != '\''; i++ {
				if s[i] == '\\' {
					i++
				}
			}
			if i >= len(s) {
				return nil, false
			}
			i++
		} else {
			for i < len(s) && strings.IndexByte(" \t\n\r", s[i]) < 0 {
				if s[i] == '\\' {
					i++
				}
				i++
			}
			i = min(i, len(s))
		}
		pairs = append(pairs, [2]string{key, s[start:i]})
	}
}
