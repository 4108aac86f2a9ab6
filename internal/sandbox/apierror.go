package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/orcidlink/orcidlink/internal/orcid"
)

// apiError is every failure of the Member and Public APIs that ORCID answers
// with its error document. It carries what ORCID's exception carries: the
// error code (which fixes the HTTP status), the ${...} parameters of the
// message templates and the exception's own message, which ORCID appends to
// the developer-message after "Full validation error:".
type apiError struct {
	status int
	code   int
	// params fills ${name} placeholders. nil means the exception had none,
	// and then ORCID leaves the placeholders in the text as they are.
	params map[string]string
	// detail is the exception message; "" when the exception had none.
	detail string
	// cause is the message of the exception's cause, shown in parentheses.
	cause string
	// location is sent as the Location header (a deprecated record's
	// primary, see errDeprecated).
	location string
	// userAsDeveloper makes the developer-message the user-message, as
	// ORCID's getDeprecatedOrcidErrorV3 builds it.
	userAsDeveloper bool
}

func (e *apiError) Error() string {
	return fmt.Sprintf("orcid api error %d (%d): %s", e.code, e.status, e.developerMessage())
}

// oauthError is what Spring Security answers before a request reaches the
// API: a bad or missing token. It is JSON whatever the Accept header says.
type oauthError struct {
	status      int
	err         string
	description string
}

func (e *oauthError) Error() string { return e.err + ": " + e.description }

const moreInfo = "https://members.orcid.org/api/resources/troubleshooting"

// apiMessages are ORCID's texts for each error code (api_en.properties at
// ORCID-Source HEAD). A missing developer message means ORCID prints the
// exception's Java class name instead, which devFallback supplies.
var apiMessages = map[int]struct{ dev, user string }{
	9001: {"400 Bad Request: There is an issue with your data or the API endpoint. 405 Method Not Allowed: Endpoint and method mismatch. 415 Unsupported Media Type: data must be in XML or JSON format.", "ORCID could not process the data, because they were invalid."},
	9002: {"The client application is not authorized.", "The client application is not authorized."},
	9004: {"403 Forbidden: Insufficient or wrong scope.", "The client application is forbidden to perform the action."},
	9006: {"The client application sent a bad request to ORCID.", "The client application sent a bad request to ORCID."},
	9007: {"301 Moved Permanently: This account is deprecated. Please refer to account: ${orcid}. ORCID ${deprecated_orcid}", "This account is deprecated. Please refer to account: ${orcid}."},
	9008: {"", "Something went wrong in ORCID."},
	9009: {"403 Forbidden: The notification has already been read and cannot be archived.", "The client application tried to archive a message that has already been read."},
	9010: {"403 Forbidden: You are not the source of the ${activity}, so you are not allowed to update it.", "The client application is not the source of the resource it is trying to access."},
	9011: {"404 Not Found: The ORCID record or item was not found.", "The resource was not found."},
	9012: {"The client application made a bad request to the ORCID API.", "The client application made a bad request to the ORCID API."},
	9013: {"403 Forbidden: The item is private and you are not the source.", "The client application is forbidden to perform the action."},
	9014: {"The client application is forbidden to perform the action.", "The client application is forbidden to perform the action."},
	9016: {"404 Not Found: The resource was not found.", "The resource was not found."},
	9017: {"401 Unauthorized: The client application is not authorized for this ORCID record.", "The client application is not authorized."},
	9018: {"409 Conflict: The ORCID record is locked and cannot be edited. ORCID ${orcid}", "The ORCID record is locked."},
	9019: {"400 Bad Request: The put code in the URL was ${urlPutCode} whereas the one in the body was ${bodyPutCode}.", "There was an error when updating the record. Please try again. If the error persists, please contact ${clientName} for assistance."},
	9020: {"400 Bad Request: Invalid incoming message.", "Invalid incoming message."},
	9021: {"409 Conflict: You have already added this activity (matched by external identifiers), please see element with put-code ${putCode}. If you are trying to edit the item, please use PUT instead of POST.", "There was an error when updating the record. Please try again. If the error persists, please contact ${clientName} for assistance."},
	9022: {"400 Bad Request: Invalid activity, a title is required.", "Invalid activity:  A title is required."},
	9023: {"400 Bad Request: Invalid activity, an external identifier is required.", "Invalid activity: an external identifier is required."},
	9024: {"400 Bad Request: Put-code is included when not expected. When posting new activities, the put code should be omitted.", "There was an error when updating the record. Please try again. If the error persists, please contact ${clientName} for assistance."},
	9025: {"409 Conflict: The given group-id-record already exists.", "The given group-id-record already exists."},
	9026: {"400 Bad Request: The group you are trying to access does not exist, you may need to create it.", "The group-id-record does not exist."},
	9028: {"No webhook found for orcid=${orcid}, and uri=${uri}.", "The resource was not found."},
	9029: {"404 Not Found: Could not find notification with id: ${id} for ORCID: ${orcid}.", "The resource was not found."},
	9030: {"The element '${value}' of type '${type}' is duplicated. ", "The element '${value}' of type '${type}' is duplicated. "},
	9031: {"Put-code is required to update elements.", "There was an error when updating the record. Please try again. If the error persists, please contact ${clientName} for assistance."},
	9034: {"400 Bad Request: The put code provided is not valid.", "There was an error when updating the record. Please try again. If the error persists, please contact ${clientName} for assistance."},
	9035: {"403 Forbidden: You can't change the visibility of an item, please remove the visibility or set it to the current value.", "There was an error when updating the record. Please try again. If the error persists, please contact ${clientName} for assistance."},
	9036: {"409 Conflict: This record has not been claimed.", "This record has not been claimed, if this is your record you can claim it at https://orcid.org/resend-claim."},
	9037: {"Invalid ${type}, valid values are: ${values}.", "Please specify a work type."},
	9038: {"409 Conflict: The item has a limited or private visibility and your request doesn't have the required scope.", "You don't have the permissions to execute this action."},
	9039: {"403 Forbidden: The item is not public and cannot be accessed with the Public API.", "The client application is forbidden to perform the action."},
	9040: {"The item can't be deleted.", "The item can't be deleted."},
	9041: {"404 Not Found: Biography for the given record is null.", "There is no biography for the given record."},
	9042: {"", "Too many put codes supplied"},
	9043: {"The start parameter for API users without credentials must be an integer between 0 and 10,000", "The start parameter for API users without credentials must be an integer between 0 and 10,000"},
	9044: {"409 Conflict: The ORCID record is deactivated and cannot be edited.", "The ORCID record is deactivated."},
	9045: {"400 Bad request: disambiguated-organization must be present and valid", "No valid disambiguated-organization is included in the data."},
	9046: {"400 Bad request: organization must be present and valid", "No valid organization is included in the data."},
	9047: {"400 Bad request: invalid JSON - ${error}", "Invalid JSON."},
	9048: {"409 Conflict: The maximum number of works that can be connected to an ORCID record is 10,000", "The maximum number of works that can be connected to an ORCID record is 10,000 and you have now exceeded this limit. Please remove some works and try again. For more information, see https://support.orcid.org/hc/articles/360006973133"},
	9049: {"400 Bad request: invalid date: ${dateString} ", "Invalid date"},
	9050: {"400 Bad request: missing start-date. If you specify an end-date, you must specify a start-date", "Missing start-date. If you specify an end-date, you must specify a start-date"},
	9051: {"400 Bad request: invalid value '${value}' for enum '${enum}'", "Invalid value for type. "},
	9053: {"400 Bad Request: invalid ISSN", "This does not appear to be a valid ISSN"},
	9054: {"400 Bad Request: invalid amount", "This does not appear to be a valid funding amount"},
	9055: {"400 Bad Request: End date must come after start date.", "End date must come after start date."},
	9058: {"404 Bad Request: Invalid contributor role: ${role}. Expected one of ${validRoles}. ", "Invalid contributor role."},
	9060: {"City and country are required for education/employment.", "City and country are required for education/employment."},
	9061: {"City or region cannot be provided without a country for the organization address.", "City or region cannot be provided without a country for the organization address."},
	9062: {"Professional activities cannot be added without an organization id/external identifier. One has to be present.", "Professional activities cannot be added without an organization id/external identifier. One has to be present."},
}

// devFallback is the Java class name ORCID prints for codes that have no
// developer message of their own.
var devFallback = map[int]string{
	9008: "java.lang.RuntimeException",
	9042: "org.orcid.core.exception.ExceedMaxNumberOfPutCodesException",
}

// codeStatus is ORCID's exception mapper: the HTTP status of each code.
var codeStatus = map[int]int{
	9001: 400, 9002: 401, 9004: 403, 9006: 400, 9008: 500, 9010: 403, 9011: 404, 9012: 400,
	9013: 403, 9014: 403, 9016: 404, 9017: 401, 9019: 400, 9020: 400, 9021: 409, 9022: 400,
	9023: 400, 9024: 400, 9025: 409, 9026: 400, 9028: 404, 9030: 409, 9031: 409, 9034: 400, 9035: 403, 9037: 400, 9038: 403,
	9039: 403, 9040: 409, 9041: 404, 9042: 400, 9045: 400, 9046: 400, 9047: 400, 9048: 409, 9049: 400,
	9050: 400, 9051: 400, 9053: 400, 9054: 400, 9055: 400, 9058: 400, 9060: 400, 9061: 400,
	9062: 400,
	// Notifications (notifications.go) and search (search.go).
	9009: 403, 9029: 404, 9043: 400,
	// Record states (checkProfile, states.go).
	9007: 301, 9018: 409, 9036: 409, 9044: 409,
}

// newAPIError builds the error ORCID raises for code. detail is the
// exception's own message ("" for none).
func newAPIError(code int, params map[string]string, detail string) *apiError {
	status, ok := codeStatus[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	return &apiError{status: status, code: code, params: params, detail: detail}
}

// Constructors for the failures the emulator raises, named after the
// situation rather than ORCID's exception class.

// errJAXRS is what the JAX-RS framework raises itself (unknown path, wrong
// method, unacceptable Accept, unsupported Content-Type, unreadable body):
// ORCID reports them all as 9001 with the framework's status and message.
func errJAXRS(status int, cause string) *apiError {
	return &apiError{status: status, code: 9001, detail: fmt.Sprintf("HTTP %d %s", status, http.StatusText(status)), cause: cause}
}

func errNotFound() *apiError { return newAPIError(9016, nil, "") }

func errPutCodeFormat(clientName string) *apiError {
	return newAPIError(9034, map[string]string{"clientName": clientName}, "")
}

func errWrongRecord() *apiError {
	return newAPIError(9017, nil, "Access token is for a different record")
}

// errNoScope is OrcidAccessControlException: ORCID's scope check answers it
// (403, with a text that says 409) rather than the 9004 its table suggests.
func errNoScope() *apiError { return newAPIError(9038, nil, "") }

// errWrongSource is WrongSourceException. ORCID's security manager always
// names the item a "work", whatever it is.
func errWrongSource() *apiError {
	return newAPIError(9010, map[string]string{"activity": "work"}, "")
}

func errDuplicate(clientName string, putCode int64) *apiError {
	return newAPIError(9021, map[string]string{"clientName": clientName, "putCode": fmt.Sprint(putCode)}, "")
}

func errPutCodeMismatch(url int64, body int64, clientName string) *apiError {
	b := "null"
	if body != 0 {
		b = fmt.Sprint(body)
	}
	return newAPIError(9019, map[string]string{"urlPutCode": fmt.Sprint(url), "bodyPutCode": b, "clientName": clientName}, "")
}

// errPutCodeOnCreate is InvalidPutCodeException.forSource, which only sets
// clientName when the source has one.
func errPutCodeOnCreate(clientName string) *apiError {
	p := map[string]string{}
	if strings.TrimSpace(clientName) != "" {
		p["clientName"] = clientName
	}
	return newAPIError(9024, p, "")
}

// errVisibilityChange is VisibilityMismatchException, which has no
// parameters: ORCID's user-message keeps its "${clientName}" verbatim.
func errVisibilityChange() *apiError { return newAPIError(9035, nil, "") }

// errValidation is OrcidValidationException with its message.
func errValidation(msg string) *apiError { return newAPIError(9020, nil, msg) }

// errEnum is ActivityTypeValidationException with the list of valid values.
func errEnum(typ string, values []string) *apiError {
	return newAPIError(9037, map[string]string{"type": typ, "values": strings.Join(values, ", ")}, "")
}

// errIllegalEnum is IllegalEnumValueException, raised while reading XML.
func errIllegalEnum(value, enum string) *apiError {
	return newAPIError(9051, map[string]string{"value": value, "enum": enum}, "")
}

// errBadJSON is InvalidJSONException. It has no parameters, so ORCID's
// developer-message keeps a literal "${error}" before the real message.
func errBadJSON(msg string) *apiError { return newAPIError(9047, nil, msg) }

func errInternal(msg string) *apiError { return newAPIError(9008, nil, msg) }

// errTooManyInBulk is the IllegalArgumentException of a bulk POST over 100.
func errTooManyInBulk(max int) *apiError {
	return newAPIError(9006, nil, fmt.Sprintf("You are allowed to add up to %d elements per request.", max))
}

var (
	errMissingToken = &oauthError{status: http.StatusForbidden, err: "forbidden",
		description: "Forbidden: The server understood the request but refuses to authorize it."}
)

func errInvalidToken(token string) *oauthError {
	return &oauthError{status: http.StatusUnauthorized, err: "invalid_token", description: appendToken("Invalid access token", token)}
}

// errAccessDenied is Spring's AccessDeniedException for a token whose client
// may not use this API (a Public API client on the Member API).
func errAccessDenied(token string) *oauthError {
	return &oauthError{status: http.StatusForbidden, err: "forbidden", description: appendToken("Access Denied", token)}
}

// appendToken is OAuthErrorResponseHelper.appendTokenIfPresent.
func appendToken(desc, token string) string {
	if token != "" && !strings.Contains(desc, token) {
		return desc + ": " + token
	}
	return desc
}

// resolve is StrSubstitutor: ${name} is replaced when params has name; with
// no params at all the text is returned untouched.
func resolve(s string, params map[string]string) string {
	if params == nil || !strings.Contains(s, "${") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			break
		}
		name := s[i+2 : i+j]
		b.WriteString(s[:i])
		if v, ok := params[name]; ok {
			b.WriteString(v)
		} else {
			b.WriteString(s[i : i+j+1])
		}
		s = s[i+j+1:]
	}
	b.WriteString(s)
	return b.String()
}

// developerMessage is OrcidCoreExceptionMapper.getDeveloperMessage.
func (e *apiError) developerMessage() string {
	if e.userAsDeveloper {
		return e.userMessage()
	}
	dev := apiMessages[e.code].dev
	if dev == "" {
		dev = devFallback[e.code]
	}
	if e.detail != "" {
		dev += " Full validation error: " + e.detail
	}
	if e.cause != "" {
		dev += " (" + e.cause + ")"
	}
	return resolve(dev, e.params)
}

func (e *apiError) userMessage() string { return resolve(apiMessages[e.code].user, e.params) }

// body is the error document (error-3.0.xsd).
func (e *apiError) body() *orcid.ErrorBody {
	return &orcid.ErrorBody{ResponseCode: e.status, DeveloperMessage: e.developerMessage(), UserMessage: e.userMessage(),
		ErrorCode: e.code, MoreInfo: moreInfo}
}

// asAPIError turns any error into what ORCID would answer: its own errors
// as they are, anything else as the 500 of an unmapped exception.
func asAPIError(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	return errInternal("")
}

// writeError is the one place an error becomes a response. OAuth failures
// are JSON whatever was asked for (Spring answers them before content
// negotiation); everything else is ORCID's error document in mt.
func (r *Registry) writeError(w http.ResponseWriter, req *http.Request, mt mediaType, err error) {
	var oe *oauthError
	if errors.As(err, &oe) {
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		w.WriteHeader(oe.status)
		_ = json.NewEncoder(w).Encode(struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
		}{oe.err, oe.description})
		return
	}
	ae := asAPIError(err)
	if ae.code == 9008 {
		r.log.Error("sandbox API internal error", "method", req.Method, "path", req.URL.Path, "err", err)
	}
	if mt.name == "" {
		mt = defaultMediaType
	}
	if ae.location != "" {
		w.Header().Set("Location", ae.location)
	}
	r.writeEntity(w, mt, ae.status, ae.body())
}

// writeEntity writes a model value in the negotiated format.
func (r *Registry) writeEntity(w http.ResponseWriter, mt mediaType, status int, v any) {
	b, err := mt.encode(v)
	if err != nil {
		r.log.Error("sandbox API encode", "err", err)
		ae := errInternal("")
		b, _ = mt.encode(ae.body())
		status = ae.status
	}
	w.Header().Set("Content-Type", mt.name)
	w.Header().Set("Content-Length", fmt.Sprint(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
