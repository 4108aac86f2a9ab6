package web

import "net/http"

// adminBatchUploadRoute takes a file of up to adminBatchUploadLimit bytes
// (bodyLimits); every other route takes a form.
const adminBatchUploadRoute = "POST /admin/tenants/{tid}/batches"

// registerAdminRoutes serves the administrators' UI under /admin/. The whole
// route table is here, so who may reach what can be read in one place:
//
//   - public: the sign-in form;
//   - admin: any signed-in administrator;
//   - siteOnly: site administrators only (others get 404, as for a page that
//     does not exist);
//   - adminTenantRoute/adminPersonRoute: an administrator who may see the tenant in
//     the path; a tenant, person, or anything else that is not theirs is
//     404, so guessing ids reveals nothing.
func (s *Server) registerAdminRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /admin/signin", s.adminSignInForm)
	mux.HandleFunc("POST /admin/signin", s.adminSignIn)
	mux.HandleFunc("POST /admin/signout", s.adminSignOut)
	// An administrator's invitation: whoever has the link chooses the
	// password of the account it creates, once (admin_invite.go).
	mux.HandleFunc("GET /admin/welcome/{token}", s.adminWelcome)
	mux.HandleFunc("POST /admin/welcome/{token}", s.adminWelcomeAccept)

	mux.HandleFunc("GET /admin/{$}", s.admin(s.adminDashboard))
	// Everything else under /admin/ needs sign-in first, then is 404: an
	// anonymous visitor learns nothing about which pages exist.
	mux.HandleFunc("/admin/", s.admin(s.adminNotFound))

	mux.HandleFunc("GET /admin/tenants", s.admin(s.adminTenants))
	mux.HandleFunc("GET /admin/tenants/new", s.siteOnly(s.adminTenantNew))
	mux.HandleFunc("POST /admin/tenants/new", s.siteOnly(s.adminTenantCreate))
	mux.HandleFunc("GET /admin/tenants/{tid}", s.adminTenantRoute(s.adminTenant))
	mux.HandleFunc("GET /admin/tenants/{tid}/edit", s.adminTenantRoute(s.adminTenantEdit))
	mux.HandleFunc("POST /admin/tenants/{tid}/edit", s.adminTenantRoute(s.adminTenantUpdate))
	// What reaches many people or cannot be undone is confirmed on a page
	// of its own first (admin_confirm.go).
	mux.HandleFunc("GET /admin/tenants/{tid}/upgrade", s.adminTenantRoute(s.adminUpgradeConfirm))
	mux.HandleFunc("POST /admin/tenants/{tid}/upgrade", s.adminTenantRoute(s.adminUpgrade))
	mux.HandleFunc("GET /admin/tenants/{tid}/articles", s.adminTenantRoute(s.adminArticles))
	mux.HandleFunc("POST /admin/tenants/{tid}/articles", s.adminTenantRoute(s.adminArticleSave))
	mux.HandleFunc("GET /admin/tenants/{tid}/articles/{key}", s.adminTenantRoute(s.adminArticle))
	mux.HandleFunc("POST /admin/tenants/{tid}/articles/{key}/publish", s.adminTenantRoute(s.adminArticlePublish))
	mux.HandleFunc("GET /admin/tenants/{tid}/articles/{key}/unpublish", s.adminTenantRoute(s.adminArticleUnpublishConfirm))
	mux.HandleFunc("POST /admin/tenants/{tid}/articles/{key}/unpublish", s.adminTenantRoute(s.adminArticleUnpublishConfirmed))
	mux.HandleFunc("POST /admin/tenants/{tid}/articles/{key}/reviews", s.adminTenantRoute(s.adminArticleReview))
	mux.HandleFunc("GET /admin/tenants/{tid}/articles/{key}/contributors.jats.xml", s.adminTenantRoute(s.adminArticleContributorsJATS))
	mux.HandleFunc("GET /admin/tenants/{tid}/articles/{key}/contributors.crossref.xml", s.adminTenantRoute(s.adminArticleContributorsCrossref))
	mux.HandleFunc("GET /admin/tenants/{tid}/editors", s.adminTenantRoute(s.adminEditors))
	mux.HandleFunc("POST /admin/tenants/{tid}/editors", s.adminTenantRoute(s.adminEditorAdd))
	mux.HandleFunc("POST /admin/tenants/{tid}/editors/{id}/end", s.adminTenantRoute(s.adminEditorEnd))
	mux.HandleFunc("GET /admin/tenants/{tid}/emails", s.adminTenantRoute(s.adminTenantEmails))
	mux.HandleFunc("GET /admin/tenants/{tid}/batches", s.adminTenantRoute(s.adminBatches))
	mux.HandleFunc(adminBatchUploadRoute, s.adminTenantRoute(s.adminBatchUpload))
	mux.HandleFunc("GET /admin/tenants/{tid}/batch-templates/{file}", s.adminTenantRoute(s.adminBatchTemplate))
	mux.HandleFunc("GET /admin/tenants/{tid}/batches/{bid}", s.adminBatchRoute(s.adminBatch))
	mux.HandleFunc("GET /admin/tenants/{tid}/batches/{bid}/status", s.adminBatchRoute(s.adminBatchStatus))
	mux.HandleFunc("GET /admin/tenants/{tid}/batches/{bid}/report.csv", s.adminBatchRoute(s.adminBatchReportCSV))
	mux.HandleFunc("GET /admin/tenants/{tid}/batches/{bid}/result.csv", s.adminBatchRoute(s.adminBatchResultCSV))
	mux.HandleFunc("POST /admin/tenants/{tid}/batches/{bid}/import", s.adminBatchRoute(s.adminBatchImport))
	mux.HandleFunc("POST /admin/tenants/{tid}/emails", s.adminTenantRoute(s.adminTenantEmailsSave))
	mux.HandleFunc("GET /admin/tenants/{tid}/api-keys", s.adminTenantRoute(s.adminAPIKeys))
	mux.HandleFunc("POST /admin/tenants/{tid}/api-keys", s.adminTenantRoute(s.adminAPIKeyCreate))
	mux.HandleFunc("POST /admin/tenants/{tid}/api-keys/{kid}/revoke", s.adminTenantRoute(s.adminAPIKeyRevoke))
	mux.HandleFunc("GET /admin/tenants/{tid}/webhooks", s.adminTenantRoute(s.adminWebhooks))
	mux.HandleFunc("POST /admin/tenants/{tid}/webhooks", s.adminTenantRoute(s.adminWebhookCreate))
	mux.HandleFunc("GET /admin/tenants/{tid}/webhooks/{wid}", s.adminWebhookRoute(s.adminWebhook))
	mux.HandleFunc("POST /admin/tenants/{tid}/webhooks/{wid}", s.adminWebhookRoute(s.adminWebhookUpdate))
	mux.HandleFunc("POST /admin/tenants/{tid}/webhooks/{wid}/rotate", s.adminWebhookRoute(s.adminWebhookRotate))
	mux.HandleFunc("POST /admin/tenants/{tid}/webhooks/{wid}/delete", s.adminWebhookRoute(s.adminWebhookDelete))
	mux.HandleFunc("POST /admin/tenants/{tid}/webhooks/{wid}/deliveries/{did}/redeliver", s.adminWebhookRoute(s.adminWebhookRedeliver))

	mux.HandleFunc("GET /admin/tenants/{tid}/failed", s.adminTenantRoute(s.adminFailed))
	mux.HandleFunc("POST /admin/tenants/{tid}/failed/retry", s.adminTenantRoute(s.adminFailedRetry))

	mux.HandleFunc("GET /admin/tenants/{tid}/people", s.adminTenantRoute(s.adminPeople))
	// The list's export and its "invite the people ticked" (admin_export.go).
	mux.HandleFunc("GET /admin/tenants/{tid}/people.csv", s.adminTenantRoute(s.adminPeopleCSV))
	mux.HandleFunc("POST /admin/tenants/{tid}/people/invite", s.adminTenantRoute(s.adminPeopleInvite))
	mux.HandleFunc("GET /admin/tenants/{tid}/people/new", s.adminTenantRoute(s.adminPersonNew))
	mux.HandleFunc("POST /admin/tenants/{tid}/people/new", s.adminTenantRoute(s.adminPersonCreate))
	mux.HandleFunc("GET /admin/tenants/{tid}/people/{pid}", s.adminPersonRoute(s.adminPerson))
	mux.HandleFunc("POST /admin/tenants/{tid}/people/{pid}/items/{iid}/retry", s.adminPersonRoute(s.adminItemRetry))
	mux.HandleFunc("POST /admin/tenants/{tid}/people/{pid}/import", s.adminPersonRoute(s.adminImportRecord))
	mux.HandleFunc("GET /admin/tenants/{tid}/people/{pid}/edit", s.adminPersonRoute(s.adminPersonEdit))
	mux.HandleFunc("POST /admin/tenants/{tid}/people/{pid}/edit", s.adminPersonRoute(s.adminPersonUpdate))
	mux.HandleFunc("POST /admin/tenants/{tid}/people/{pid}/invite", s.adminPersonRoute(s.adminPersonInvite))
	mux.HandleFunc("POST /admin/tenants/{tid}/people/{pid}/hint/forget", s.adminPersonRoute(s.adminForgetHint))
	mux.HandleFunc("GET /admin/tenants/{tid}/people/{pid}/remove-id", s.adminPersonRoute(s.adminRemoveIDConfirm))
	mux.HandleFunc("POST /admin/tenants/{tid}/people/{pid}/remove-id", s.adminPersonRoute(s.adminRemoveID))
	mux.HandleFunc("GET /admin/tenants/{tid}/people/{pid}/delete", s.adminPersonRoute(s.adminPersonDeleteConfirm))
	mux.HandleFunc("POST /admin/tenants/{tid}/people/{pid}/delete", s.adminPersonRoute(s.adminPersonDelete))

	mux.HandleFunc("GET /admin/credentials", s.admin(s.adminCredentials))
	mux.HandleFunc("GET /admin/credentials/new", s.siteOnly(s.adminCredentialNew))
	mux.HandleFunc("POST /admin/credentials/new", s.siteOnly(s.adminCredentialCreate))
	mux.HandleFunc("GET /admin/credentials/{cid}", s.adminCredentialRoute(s.adminCredential))
	mux.HandleFunc("GET /admin/credentials/{cid}/edit", s.adminCredentialRoute(s.adminCredentialEdit))
	mux.HandleFunc("POST /admin/credentials/{cid}/edit", s.adminCredentialRoute(s.adminCredentialUpdate))
	mux.HandleFunc("GET /admin/credentials/{cid}/production", s.adminCredentialRoute(s.adminProductionForm))
	mux.HandleFunc("POST /admin/credentials/{cid}/production", s.adminCredentialRoute(s.adminProductionMove))
	mux.HandleFunc("GET /admin/credentials/{cid}/reinvite", s.adminCredentialRoute(s.adminReinviteConfirm))
	mux.HandleFunc("POST /admin/credentials/{cid}/reinvite", s.adminCredentialRoute(s.adminReinvite))
	mux.HandleFunc("POST /admin/credentials/{cid}/check", s.adminCredentialRoute(s.adminCredentialCheck))
	mux.HandleFunc("GET /admin/credentials/{cid}/review-pack", s.adminCredentialRoute(s.adminReviewPack))

	mux.HandleFunc("GET /admin/account", s.admin(s.adminAccount))
	mux.HandleFunc("GET /admin/account/digest", s.admin(s.adminDigest))
	mux.HandleFunc("POST /admin/account/digest", s.admin(s.adminDigestSave))
	mux.HandleFunc("POST /admin/account/password", s.admin(s.adminAccountPassword))

	// Any administrator invites: a manager only managers of their own
	// tenants (admin_invite.go checks), a site administrator anyone.
	mux.HandleFunc("GET /admin/invite", s.admin(s.adminInviteNew))
	mux.HandleFunc("POST /admin/invite", s.admin(s.adminInviteCreate))
	mux.HandleFunc("POST /admin/invitations/{iid}/cancel", s.admin(s.adminInviteCancel))

	// The guides, served by orcidlink itself (admin_help.go).
	mux.HandleFunc("GET /admin/help/{$}", s.admin(s.adminHelpIndex))
	mux.HandleFunc("GET /admin/help/{page}", s.admin(s.adminHelp))

	mux.HandleFunc("GET /admin/outbox", s.admin(s.adminOutbox))
	mux.HandleFunc("GET /admin/outbox/{eid}", s.admin(s.adminEmail))
	mux.HandleFunc("GET /admin/outbox/{eid}/preview", s.admin(s.adminEmailPreview))

	mux.HandleFunc("GET /admin/users", s.siteOnly(s.adminUsers))
	mux.HandleFunc("GET /admin/users/{uid}/edit", s.siteOnly(s.adminUserEdit))
	mux.HandleFunc("POST /admin/users/{uid}/edit", s.siteOnly(s.adminUserUpdate))
	mux.HandleFunc("POST /admin/users/{uid}/delete", s.siteOnly(s.adminUserDelete))
}
