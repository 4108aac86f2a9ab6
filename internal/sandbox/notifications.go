package sandbox

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/orcidlink/orcidlink/internal/orcid"
)

// Permission notifications: a premium member client asks a researcher,
// through their ORCID inbox, for permission to add items to the record
// (Member API /{iD}/notification-permission, orcid-model
// notification_3.0/README.md). As ORCID-Source serves them:
// MemberV3ApiServiceImplV3_0 (routes), notificationsV3
// NotificationsApiServiceDelegatorImpl (order of checks, answers), v3
// NotificationManagerImpl (create, archive), NotificationDaoImpl (queries),
// NotificationValidationManagerImpl and v3 ExternalIDValidator (body
// rules), the body itself read against notification-permission-3.0.xsd
// (OrcidValidationJaxbContextResolver, JSONInputValidator).
//
// Scope: every method requires /premium-notification
// (@AccessControl(requiredScope = PREMIUM_NOTIFICATION)). The aspect that
// enforced the annotation (OrcidApiAuthorizationSecurityAspect with
// DefaultPermissionChecker.checkScopes, which throws
// java.security.AccessControlException: 403 9004 "Insufficient or wrong
// scope") left ORCID-Source with the in-repository OAuth server in PR
// #7497 (2026-07); the emulator keeps that long-standing check.
//
// 9032 ("The user has opted not to receive notifications") is not raised:
// the delegator throws it only when createPermissionNotification returns
// null, which the current NotificationManagerImpl never does (a
// researcher's email frequency only decides whether the notification is
// emailed, not whether it reaches the inbox).

const (
	notificationPath = "notification-permission"
	nsNotification   = "http://www.orcid.org/ns/notification"
	// maxNotificationText is the XSD's maxLength of notification-intro and
	// item-name.
	maxNotificationText = 1000
)

// notificationItemTypes is the activity-type enumeration of
// notification-permission-3.0.xsd (the Java ItemType has more, which the
// schema refuses).
var notificationItemTypes = []string{"employment", "education", "qualification", "invited-position",
	"distinction", "membership", "service", "funding", "work", "peer-review"}

// notificationPermission is notification:notification (NotificationPermission),
// in the XSD's order.
type notificationPermission struct {
	XMLName             xml.Name           `xml:"http://www.orcid.org/ns/notification notification" json:"-"`
	PutCode             *int64             `xml:"put-code,attr,omitempty" json:"put-code"`
	NotificationType    *string            `xml:"http://www.orcid.org/ns/notification notification-type" json:"notification-type"`
	AuthorizationURL    *authorizationURL  `xml:"http://www.orcid.org/ns/notification authorization-url" json:"authorization-url"`
	NotificationSubject *string            `xml:"http://www.orcid.org/ns/notification notification-subject" json:"notification-subject"`
	NotificationIntro   *string            `xml:"http://www.orcid.org/ns/notification notification-intro" json:"notification-intro"`
	Items               *notificationItems `xml:"http://www.orcid.org/ns/notification items" json:"items"`
	CreatedDate         *orcid.Timestamp   `xml:"http://www.orcid.org/ns/common created-date,omitempty" json:"created-date"`
	SentDate            *orcid.Timestamp   `xml:"http://www.orcid.org/ns/common sent-date,omitempty" json:"sent-date"`
	ReadDate            *orcid.Timestamp   `xml:"http://www.orcid.org/ns/common read-date,omitempty" json:"read-date"`
	ActionedDate        *orcid.Timestamp   `xml:"http://www.orcid.org/ns/notification actioned-date,omitempty" json:"actioned-date"`
	ArchivedDate        *orcid.Timestamp   `xml:"http://www.orcid.org/ns/common archived-date,omitempty" json:"archived-date"`
	Source              *orcid.Source      `xml:"http://www.orcid.org/ns/common source,omitempty" json:"source"`
}

// authorizationURL is where the researcher goes to grant the permission:
// a full /oauth/authorize URL, or just its path and query.
type authorizationURL struct {
	URI  string `xml:"http://www.orcid.org/ns/notification uri,omitempty" json:"uri"`
	Path string `xml:"http://www.orcid.org/ns/notification path,omitempty" json:"path"`
	Host string `xml:"http://www.orcid.org/ns/notification host,omitempty" json:"host"`
}

type notificationItems struct {
	Item []notificationItem `xml:"http://www.orcid.org/ns/notification item" json:"item"`
}

type notificationItem struct {
	PutCode    *string           `xml:"put-code,attr,omitempty" json:"put-code"`
	ItemType   *string           `xml:"http://www.orcid.org/ns/notification item-type" json:"item-type"`
	ItemName   *string           `xml:"http://www.orcid.org/ns/notification item-name" json:"item-name"`
	ExternalID *orcid.ExternalID `xml:"http://www.orcid.org/ns/common external-id,omitempty" json:"external-id"`
}

// notificationPermissions is notification:notifications, the list.
type notificationPermissions struct {
	XMLName       xml.Name                 `xml:"http://www.orcid.org/ns/notification notifications" json:"-"`
	Notifications []notificationPermission `xml:"http://www.orcid.org/ns/notification notification" json:"notification"`
}

// storedNotification is a row of the notifications table.
type storedNotification struct {
	PutCode    int64
	ORCID      string
	ClientID   string
	Body       notificationContent
	CreatedAt  time.Time
	ReadAt     *time.Time
	ActionedAt *time.Time
	ArchivedAt *time.Time
}

// notificationContent is what the client wrote, kept as JSON.
type notificationContent struct {
	AuthorizationURL authorizationURL   `json:"authorization-url"`
	Subject          *string            `json:"subject"`
	Intro            *string            `json:"intro"`
	Items            []notificationItem `json:"items"`
}

// ---- store ----

func (s *store) CreateNotification(ctx context.Context, n storedNotification) (int64, error) {
	body, err := json.Marshal(n.Body)
	if err != nil {
		return 0, err
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO notifications (orcid, client_id, body, created_at) VALUES (?, ?, ?, ?)`,
		n.ORCID, n.ClientID, string(body), unix(n.CreatedAt))
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

const notificationCols = `put_code, orcid, client_id, body, created_at, read_at, actioned_at, archived_at`

func scanNotification(row rowScanner) (storedNotification, error) {
	var n storedNotification
	var body string
	var created int64
	var read, actioned, archived sql.NullInt64
	err := row.Scan(&n.PutCode, &n.ORCID, &n.ClientID, &body, &created, &read, &actioned, &archived)
	if errors.Is(err, sql.ErrNoRows) {
		return n, ErrNotFound
	}
	if err != nil {
		return n, err
	}
	n.CreatedAt = fromUnix(created)
	for _, p := range []struct {
		v   sql.NullInt64
		dst **time.Time
	}{{read, &n.ReadAt}, {actioned, &n.ActionedAt}, {archived, &n.ArchivedAt}} {
		if p.v.Valid {
			t := fromUnix(p.v.Int64)
			*p.dst = &t
		}
	}
	if err := json.Unmarshal([]byte(body), &n.Body); err != nil {
		return n, fmt.Errorf("notification %d: %w", n.PutCode, err)
	}
	return n, nil
}

// Notification is NotificationDaoImpl.findByOricdAndId: by record and id,
// whoever the source.
func (s *store) Notification(ctx context.Context, orcidID string, putCode int64) (storedNotification, error) {
	return scanNotification(s.db.QueryRowContext(ctx, `SELECT `+notificationCols+` FROM notifications WHERE orcid = ? AND put_code = ?`, orcidID, putCode))
}

// Notifications lists a record's notifications, oldest first; clientID ""
// means every client's (the researcher's inbox).
func (s *store) Notifications(ctx context.Context, orcidID, clientID string) ([]storedNotification, error) {
	q := `SELECT ` + notificationCols + ` FROM notifications WHERE orcid = ?`
	args := []any{orcidID}
	if clientID != "" {
		q += ` AND client_id = ?`
		args = append(args, clientID)
	}
	return queryAll(ctx, s.db, scanNotification, q+` ORDER BY put_code`, args...)
}

// MarkNotification sets one of the dates (read_at, actioned_at,
// archived_at) if it is not set yet.
func (s *store) MarkNotification(ctx context.Context, orcidID string, putCode int64, column string, at time.Time) error {
	switch column {
	case "read_at", "actioned_at", "archived_at":
	default:
		return fmt.Errorf("mark notification: unknown column %q", column)
	}
	_, err := s.db.ExecContext(ctx, `UPDATE notifications SET `+column+` = ? WHERE orcid = ? AND put_code = ? AND `+column+` IS NULL`,
		unix(at), orcidID, putCode)
	return err
}

// ---- API ----

// notificationRecord is the delegator's checkProfileStatus: the record's
// state errors, except that reads ignore deactivation.
func (r *Registry) notificationRecord(a *apiRequest, read bool) (Researcher, error) {
	res, err := r.store.Researcher(a.ctx(), a.orcid)
	if errors.Is(err, ErrNotFound) {
		return res, errNotFound()
	}
	if err != nil {
		return res, err
	}
	if read && res.State == StateDeactivated {
		return res, nil
	}
	return res, r.checkProfile(a, res)
}

// checkNotificationScope is DefaultPermissionChecker.checkScopes for
// /premium-notification.
func checkNotificationScope(a *apiRequest) error {
	if a.caller.has(ScopePremiumNotification) {
		return nil
	}
	var granted []string
	if a.caller.token != nil {
		granted = a.caller.token.Scopes
	}
	return newAPIError(9004, nil, "Insufficient or wrong scope ["+strings.Join(granted, ", ")+"]")
}

// notificationID is the {id} path parameter, a Long: anything else does
// not match the resource (JAX-RS answers 404).
func notificationID(a *apiRequest) (int64, error) {
	id, err := strconv.ParseInt(a.putCode, 10, 64)
	if err != nil {
		return 0, errJAXRS(http.StatusNotFound, "")
	}
	return id, nil
}

func errNotificationNotFound(orcidID string, id int64) *apiError {
	return newAPIError(9029, map[string]string{"orcid": orcidID, "id": strconv.FormatInt(id, 10)}, "")
}

// apiNotificationCreate is POST: 201 with Location, no body.
func (r *Registry) apiNotificationCreate(w http.ResponseWriter, a *apiRequest) error {
	n, err := decodeNotification(a.in, a.body)
	if err != nil {
		return err
	}
	if err := checkNotificationScope(a); err != nil {
		return err
	}
	if _, err := r.notificationRecord(a, false); err != nil {
		return err
	}
	if err := validateNotification(n); err != nil {
		return err
	}
	if n.PutCode != nil {
		// NotificationManagerImpl.createNotification.
		return newAPIError(9006, nil, "Put code must be null when creating a new notification")
	}
	// ORCID keeps the full URI only, made from the base URL and the path
	// when the client gave just a path (v3 MapperFacadeFactory,
	// NotificationPermission mapAtoB).
	au := n.AuthorizationURL.URI
	if strings.TrimSpace(au) == "" {
		au = r.BaseURL() + n.AuthorizationURL.Path
		if _, err := url.Parse(au); err != nil {
			return errInternal("Error constructing URI for permission notification")
		}
	}
	content := notificationContent{AuthorizationURL: authorizationURL{URI: au}, Subject: n.NotificationSubject, Intro: n.NotificationIntro}
	for _, it := range n.Items.Item {
		it.PutCode = nil
		if it.ExternalID != nil {
			it.ExternalID.Normalized, it.ExternalID.NormalizedError = nil, nil
		}
		content.Items = append(content.Items, it)
	}
	id, err := r.store.CreateNotification(a.ctx(), storedNotification{ORCID: a.orcid, ClientID: a.caller.clientID(), Body: content, CreatedAt: r.now()})
	if err != nil {
		return fmt.Errorf("create notification: %w", err)
	}
	// uriInfo.getAbsolutePath() + "/" + put-code.
	loc := *a.req.URL
	loc.RawQuery, loc.Fragment = "", ""
	w.Header().Set("Location", r.base.Scheme+"://"+r.base.Host+strings.TrimSuffix(loc.EscapedPath(), "/")+"/"+strconv.FormatInt(id, 10))
	w.WriteHeader(http.StatusCreated)
	return nil
}

// apiNotificationList is GET of the collection: the caller's own
// notifications for the record, archived ones included
// (findPermissionsByOrcidAndClient).
func (r *Registry) apiNotificationList(w http.ResponseWriter, a *apiRequest) error {
	if err := checkNotificationScope(a); err != nil {
		return err
	}
	if _, err := r.notificationRecord(a, true); err != nil {
		return err
	}
	ns, err := r.store.Notifications(a.ctx(), a.orcid, a.caller.clientID())
	if err != nil {
		return err
	}
	out := &notificationPermissions{}
	for _, n := range ns {
		v, err := r.notificationView(a, n)
		if err != nil {
			return err
		}
		out.Notifications = append(out.Notifications, *v)
	}
	r.writeEntity(w, a.out, http.StatusOK, out)
	return nil
}

// apiNotificationRead is GET of one: 9029 when the record has no such
// notification, 9004 when another client sent it (checkSource).
func (r *Registry) apiNotificationRead(w http.ResponseWriter, a *apiRequest) error {
	id, err := notificationID(a)
	if err != nil {
		return err
	}
	if err := checkNotificationScope(a); err != nil {
		return err
	}
	if _, err := r.notificationRecord(a, true); err != nil {
		return err
	}
	n, err := r.store.Notification(a.ctx(), a.orcid, id)
	if errors.Is(err, ErrNotFound) {
		return errNotificationNotFound(a.orcid, id)
	}
	if err != nil {
		return err
	}
	if n.ClientID != a.caller.clientID() {
		return newAPIError(9004, nil, "This notification does not belong to "+a.caller.clientID())
	}
	v, err := r.notificationView(a, n)
	if err != nil {
		return err
	}
	r.writeEntity(w, a.out, http.StatusOK, v)
	return nil
}

// apiNotificationArchive is DELETE: the notification is archived, not
// removed, and ORCID answers 200 with it (flagNotificationAsArchived).
// Only its source may archive it (9010), and only while the researcher has
// not read it (9009).
func (r *Registry) apiNotificationArchive(w http.ResponseWriter, a *apiRequest) error {
	id, err := notificationID(a)
	if err != nil {
		return err
	}
	if err := checkNotificationScope(a); err != nil {
		return err
	}
	if _, err := r.notificationRecord(a, false); err != nil {
		return err
	}
	n, err := r.store.Notification(a.ctx(), a.orcid, id)
	if errors.Is(err, ErrNotFound) {
		return errNotificationNotFound(a.orcid, id)
	}
	if err != nil {
		return err
	}
	if n.ClientID != a.caller.clientID() {
		return newAPIError(9010, map[string]string{"activity": "notification"}, "")
	}
	if n.ReadAt != nil {
		return newAPIError(9009, nil, "")
	}
	if err := r.store.MarkNotification(a.ctx(), a.orcid, id, "archived_at", r.now()); err != nil {
		return err
	}
	if n, err = r.store.Notification(a.ctx(), a.orcid, id); err != nil {
		return err
	}
	v, err := r.notificationView(a, n)
	if err != nil {
		return err
	}
	r.writeEntity(w, a.out, http.StatusOK, v)
	return nil
}

// notificationView is the notification as the API returns it.
func (r *Registry) notificationView(a *apiRequest, n storedNotification) (*notificationPermission, error) {
	typ := "permission"
	pc := n.PutCode
	// mapBtoA: the stored URI, its path and query, and ORCID's own host.
	au := authorizationURL{URI: n.Body.AuthorizationURL.URI, Host: r.Host()}
	if u, err := url.Parse(au.URI); err == nil {
		au.Path = u.EscapedPath()
		if u.RawQuery != "" {
			au.Path += "?" + u.RawQuery
		}
	}
	v := &notificationPermission{
		PutCode: &pc, NotificationType: &typ, AuthorizationURL: &au,
		NotificationSubject: n.Body.Subject, NotificationIntro: n.Body.Intro,
		Items:       &notificationItems{Item: n.Body.Items},
		CreatedDate: orcid.NewTimestamp(n.CreatedAt),
	}
	if n.ReadAt != nil {
		v.ReadDate = orcid.NewTimestamp(*n.ReadAt)
	}
	if n.ActionedAt != nil {
		v.ActionedDate = orcid.NewTimestamp(*n.ActionedAt)
	}
	if n.ArchivedAt != nil {
		v.ArchivedDate = orcid.NewTimestamp(*n.ArchivedAt)
	}
	src, err := r.itemSource(a, n.ORCID, n.ClientID, false)
	if err != nil {
		return nil, err
	}
	v.Source = src
	return v, nil
}

// decodeNotification reads a POST body: JAXB with the XSD for XML (errors
// 400 9012), Jackson then the XSD for JSON (a syntax error 9001, anything
// else 9047).
func decodeNotification(mt mediaType, body []byte) (*notificationPermission, error) {
	n := &notificationPermission{}
	if mt.json {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(n); err != nil {
			var se *json.SyntaxError
			if errors.As(err, &se) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, (&bodyFault{kind: faultSyntax, msg: err.Error()}).asError(mt, false)
			}
			return nil, (&bodyFault{kind: faultMapping, msg: err.Error()}).asError(mt, false)
		}
	} else if err := xml.Unmarshal(body, n); err != nil {
		return nil, (&bodyFault{kind: faultSchema, msg: err.Error()}).asError(mt, false)
	}
	if f := notificationSchemaFault(n, mt.json); f != nil {
		return nil, f.asError(mt, false)
	}
	return n, nil
}

// notificationSchemaFault checks what notification-permission-3.0.xsd
// requires, in its order, with Xerces' messages.
func notificationSchemaFault(n *notificationPermission, json bool) *bodyFault {
	const root = "notification:notification"
	need := func(parent, child string) *bodyFault {
		return missing(parent, `"`+nsNotification+`":`+child)
	}
	enum := func(value, list, javaEnum string) *bodyFault {
		if json {
			return &bodyFault{kind: faultMapping, msg: fmt.Sprintf("Cannot deserialize value of type `%s` from String \"%s\": not one of the values accepted for Enum class: %s", javaEnum, value, list)}
		}
		return &bodyFault{kind: faultSchema, msg: fmt.Sprintf("cvc-enumeration-valid: Value '%s' is not facet-valid with respect to enumeration '%s'. It must be a value from the enumeration.", value, list)}
	}
	tooLong := func(v, typ string) *bodyFault {
		if l := utf8.RuneCountInString(v); l > maxNotificationText {
			return &bodyFault{kind: faultSchema, msg: fmt.Sprintf("cvc-maxLength-valid: Value '%s' with length = '%d' is not facet-valid with respect to maxLength '%d' for type '%s'.", v, l, maxNotificationText, typ)}
		}
		return nil
	}
	switch {
	case n.NotificationType == nil:
		return need(root, "notification-type")
	case *n.NotificationType != "permission":
		return enum(*n.NotificationType, "[permission]", "org.orcid.jaxb.model.v3.release.notification.NotificationType")
	case n.AuthorizationURL == nil:
		return need(root, "authorization-url")
	case n.AuthorizationURL.URI == "" && n.AuthorizationURL.Path == "":
		return need("notification:authorization-url", `"`+nsNotification+`":uri, "`+nsNotification+`":path`)
	case n.NotificationSubject == nil:
		return need(root, "notification-subject")
	case n.NotificationIntro == nil:
		return need(root, "notification-intro")
	case n.Items == nil:
		return need(root, "items")
	case len(n.Items.Item) == 0:
		return need("notification:items", "item")
	}
	if f := tooLong(*n.NotificationIntro, "#AnonType_notification-intro"); f != nil {
		return f
	}
	if u := n.AuthorizationURL.URI; u != "" && !anyURI(u) {
		return &bodyFault{kind: faultSchema, msg: fmt.Sprintf("cvc-datatype-valid.1.2.1: '%s' is not a valid value for 'anyURI'.", u)}
	}
	for _, it := range n.Items.Item {
		switch {
		case it.ItemType == nil:
			return need("notification:item", "item-type")
		case !slices.Contains(notificationItemTypes, *it.ItemType):
			return enum(*it.ItemType, "["+strings.Join(notificationItemTypes, ", ")+"]", "org.orcid.jaxb.model.v3.release.notification.permission.ItemType")
		case it.ItemName == nil:
			return need("notification:item", "item-name")
		}
		if f := tooLong(*it.ItemName, "#AnonType_item-nameitem"); f != nil {
			return f
		}
	}
	return nil
}

// anyURI approximates Xerces' lenient xs:anyURI (as the generated rules
// of validate_schema.go do): a scheme, when there is one, must be well
// formed, and "%" must start an escape.
func anyURI(s string) bool {
	if i := strings.IndexAny(s, ":/?#"); i >= 0 && s[i] == ':' && !notificationURIScheme.MatchString(s[:i]) {
		return false
	}
	return !badPercent.MatchString(s)
}

var (
	notificationURIScheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*$`)
	badPercent            = regexp.MustCompile(`%([^0-9A-Fa-f]|.[^0-9A-Fa-f]|.?$)`)
)

// validateNotification is NotificationValidationManagerImpl: the
// authorization uri must parse as a java.net.URI (9020), and an item's
// external identifier, when it names a type, must have a known type, a
// value and a relationship (9023).
func validateNotification(n *notificationPermission) error {
	if u := n.AuthorizationURL.URI; strings.TrimSpace(u) != "" {
		if _, err := url.Parse(u); err != nil || strings.ContainsAny(u, " \"<>\\^`{|}") {
			return newAPIError(9020, nil, "Bad authorization uri")
		}
	}
	var errs []string
	for _, it := range n.Items.Item {
		x := it.ExternalID
		if x == nil || x.Type == "" {
			continue
		}
		if !oneOf(externalIDTypes, x.Type) {
			errs = append(errs, x.Type)
		}
		if blank(x.Value) {
			errs = append(errs, "value")
		}
		if x.Relationship == "" {
			errs = append(errs, "relationship")
		}
	}
	if len(errs) > 0 {
		return newAPIError(9023, nil, "Invalid external-id  "+strings.Join(errs, " "))
	}
	return nil
}

// MarshalJSON writes absent parts as null, as ORCID's JSON does.
func (au authorizationURL) MarshalJSON() ([]byte, error) {
	orNull := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	return json.Marshal(struct {
		URI  *string `json:"uri"`
		Path *string `json:"path"`
		Host *string `json:"host"`
	}{orNull(au.URI), orNull(au.Path), orNull(au.Host)})
}
