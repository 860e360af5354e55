package value

import "strings"

// iso4217 is ISO 4217 List One as of 2025: every current code, grouped by its number of minor
// digits. Codes the standard gives no minor unit (precious metals, SDR, bond market units) are
// in the 0 group, so they display without a fraction unless the amount has one. XTS (testing)
// and XXX (no currency) are left out because no amount of money is in either.
//
// Withdrawn codes (HRK, ZWL, VEF, CUC, …) are not accepted in new input; Decode still reads
// stored values that use them, so a change of this list never breaks stored data.
var iso4217 = map[int]string{
	0: "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF " +
		"XAG XAU XBA XBB XBC XBD XDR XPD XPT XSU XUA",
	2: "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD " +
		"BTN BWP BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP " +
		"ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR " +
		"JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU " +
		"MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR " +
		"RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB " +
		"TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW " +
		"ZWG",
	3: "BHD IQD JOD KWD LYD OMR TND",
	4: "CLF UYW",
}

// minorDigits maps each current currency code to its number of minor digits.
var minorDigits = func() map[string]int {
	m := make(map[string]int, 200)
	for digits, codes := range iso4217 {
		for _, code := range strings.Fields(codes) {
			m[code] = digits
		}
	}
	return m
}()

// currencyShape reports whether s looks like an ISO 4217 code: three capital ASCII letters.
func currencyShape(s string) bool {
	if len(s) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// checkCurrency says what is wrong with a currency code, or "" when it is fine. A stored value
// needs only the shape, for the reason given on iso4217.
func checkCurrency(code string, stored bool) string {
	switch {
	case currencyShape(code) && (stored || hasCurrency(code)):
		return ""
	case currencyShape(strings.ToUpper(code)) && hasCurrency(strings.ToUpper(code)):
		return "currency " + quote(code) + " must be written in capitals: " + strings.ToUpper(code)
	}
	return "currency " + quote(code) + " is not a current ISO 4217 code such as EUR or USD"
}

// hasCurrency reports whether code is in the current list.
func hasCurrency(code string) bool {
	_, ok := minorDigits[code]
	return ok
}
