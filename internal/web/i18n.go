package web

import "fmt"

// messages holds the researcher-facing texts per language. Keys are English
// identifiers; a missing translation falls back to English, then to the key.
var messages = map[string]map[string]string{
	"en": {},
	"es": {},
	"fr": {},
}

// translator returns the lookup function templates call as .T.
func translator(lang string) func(key string, args ...any) string {
	return func(key string, args ...any) string {
		msg, ok := messages[lang][key]
		if !ok {
			if msg, ok = messages["en"][key]; !ok {
				msg = key
			}
		}
		if len(args) > 0 {
			return fmt.Sprintf(msg, args...)
		}
		return msg
	}
}
