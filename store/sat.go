package store

// SATCode is one entry of a SAT catalogue of CFDI 4.0: its code and to whom it applies.
// Its description is translated: "sat.regimen.<code>" or "sat.uso.<code>".
type SATCode struct {
	Code   string
	Fisica bool // applies to a persona física (13-character RFC)
	Moral  bool // applies to a persona moral (12-character RFC)
}

// RegimenesFiscales is SAT's catalogue c_RegimenFiscal.
var RegimenesFiscales = []SATCode{
	{"601", false, true}, {"603", false, true}, {"605", true, false}, {"606", true, false},
	{"607", true, false}, {"608", true, false}, {"610", true, true}, {"611", true, false},
	{"612", true, false}, {"614", true, false}, {"615", true, false}, {"616", true, false},
	{"620", false, true}, {"621", true, false}, {"622", false, true}, {"623", false, true},
	{"624", false, true}, {"625", true, false}, {"626", true, true},
}

// UsosCFDI is SAT's catalogue c_UsoCFDI.
var UsosCFDI = []SATCode{
	{"G01", true, true}, {"G02", true, true}, {"G03", true, true}, {"I01", true, true},
	{"I02", true, true}, {"I03", true, true}, {"I04", true, true}, {"I05", true, true},
	{"I06", true, true}, {"I07", true, true}, {"I08", true, true}, {"D01", true, false},
	{"D02", true, false}, {"D03", true, false}, {"D04", true, false}, {"D05", true, false},
	{"D06", true, false}, {"D07", true, false}, {"D08", true, false}, {"D09", true, false},
	{"D10", true, false}, {"S01", true, true}, {"CP01", true, true}, {"CN01", true, false},
}

// Fiscal is what a Mexican invoice (CFDI 4.0) needs of the customer.
type Fiscal struct {
	RFC         string `json:"rfc,omitempty"`
	RazonSocial string `json:"razon_social,omitempty"`
	Regimen     string `json:"regimen,omitempty"` // c_RegimenFiscal code
	UsoCFDI     string `json:"uso_cfdi,omitempty"`
	PostalCode  string `json:"postal_code,omitempty"` // código postal del domicilio fiscal
	// RFCConfirmed records that the person confirmed an RFC whose check digit fails.
	RFCConfirmed bool `json:"rfc_confirmed,omitempty"`
}

// CheckSATCode returns the translation key of what is wrong with code in catalogue for an
// RFC of that kind (moral or física; unknown when rfc is empty), or "".
func CheckSATCode(catalogue []SATCode, code, rfc string) string {
	if code == "" {
		return ""
	}
	for _, e := range catalogue {
		if e.Code != code {
			continue
		}
		v := CheckRFC(rfc, true)
		if v.RFC == "" || v.Problem != "" || v.Generic {
			return ""
		}
		if (v.Moral && !e.Moral) || (!v.Moral && !e.Fisica) {
			if v.Moral {
				return "form.sat_not_moral"
			}
			return "form.sat_not_fisica"
		}
		return ""
	}
	return "form.choose_option"
}
