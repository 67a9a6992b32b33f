package refapi

import (
	"errors"
	"fmt"
	"regexp"
)

var currencyRE = regexp.MustCompile(`^[A-Z]{3}$`)

// CheckMoney validates an amount in integer minor units (> 0, required) and
// a 3-letter upper-case ISO 4217 currency, returning every problem.
func CheckMoney(amount *int64, currency string) error {
	var errs []error
	if amount == nil {
		errs = append(errs, errors.New("amount is required (integer minor units, e.g. 1250 for 12.50)"))
	} else if *amount <= 0 {
		errs = append(errs, fmt.Errorf("amount must be > 0 minor units, got %d", *amount))
	}
	if !currencyRE.MatchString(currency) {
		errs = append(errs, fmt.Errorf("currency must be a 3-letter upper-case ISO 4217 code like EUR, got %q", currency))
	}
	return errors.Join(errs...)
}

// CheckText requires field's value s to be non-empty and at most max bytes.
func CheckText(field, s string, max int) error {
	if s == "" || len(s) > max {
		return fmt.Errorf("%s is required and at most %d bytes", field, max)
	}
	return nil
}
