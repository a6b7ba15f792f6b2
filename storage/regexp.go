package storage

import (
	"database/sql/driver"
	"fmt"
	"regexp"
	"sync"

	"modernc.org/sqlite"
)

// SQLite has the REGEXP operator but no function behind it; searches'
// like and nlike need one. "x REGEXP y" calls regexp(y, x). It is
// registered once for every connection this process opens.
func init() {
	sqlite.MustRegisterDeterministicScalarFunction("regexp", 2, sqliteRegexp)
}

// regexps caches compiled patterns: a search evaluates its one pattern on
// every row it scans.
var regexps struct {
	sync.Mutex
	m map[string]*regexp.Regexp
}

func sqliteRegexp(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
	pattern, ok := args[0].(string)
	if !ok {
		return nil, fmt.Errorf("regexp: pattern is %T, not text", args[0])
	}
	var text string
	switch v := args[1].(type) {
	case nil:
		return nil, nil
	case string:
		text = v
	case []byte:
		text = string(v)
	default:
		text = fmt.Sprint(v)
	}
	regexps.Lock()
	re := regexps.m[pattern]
	if re == nil {
		var err error
		if re, err = regexp.Compile(pattern); err != nil {
			regexps.Unlock()
			return nil, err
		}
		if regexps.m == nil || len(regexps.m) > 256 {
			regexps.m = map[string]*regexp.Regexp{}
		}
		regexps.m[pattern] = re
	}
	regexps.Unlock()
	return re.MatchString(text), nil
}
