package sandbox

// messagesFR is the French catalogue of the site pages: English text ->
// French. Button and link texts follow ORCID's own French pages where the
// emulator has the same control.
func messagesFR() map[string]string {
	return map[string]string{
		// Layout and page titles.
		"ORCID offline sandbox": "Sandbox ORCID hors ligne",
		"Skip to main content":  "Aller au contenu principal",
		"offline sandbox":       "sandbox hors ligne",
		"Main":                  "Principal",
		"Developer tools":       "Outils de développement",
		"Outbox":                "Boîte d’envoi",
		"Account":               "Compte",
		"Sign out":              "Se déconnecter",
		"Sign in":               "Se connecter",
		"Register":              "S’inscrire",
		"This is an offline emulator of sandbox.orcid.org for development and tests. Its data stay on this machine and no e-mail is delivered.": "Ceci est un émulateur hors ligne de sandbox.orcid.org pour le développement et les tests. Ses données restent sur cette machine et aucun e-mail n’est envoyé.",
		"Authorization error":     "Erreur d’autorisation",
		"Authorize access":        "Autoriser l’accès",
		"Account settings":        "Paramètres du compte",
		"Page not found":          "Page introuvable",
		"Sign out of the sandbox": "Se déconnecter du sandbox",

		// Consent.
		"Signed in as": "Connecté en tant que",
		"%s has asked for the following access to your ORCID record": "%s demande l’accès suivant à votre dossier ORCID",
		"Deny access": "Refuser l’accès",
		"If you authorize, this organization will have access to your ORCID record as described above. You can manage access in your %s under trusted organizations.": "Si vous autorisez, cette organisation aura accès à votre dossier ORCID comme décrit ci-dessus. Vous pouvez gérer l’accès dans vos %s, sous organisations de confiance.",
		"account settings":  "paramètres du compte",
		"Get your ORCID iD": "Obtenir votre identifiant ORCID",
		"Read your information with visibility set to Trusted Parties":                                               "Lire vos informations dont la visibilité est réservée aux parties de confiance",
		"Add or update your research activities (works, affiliations, funding, peer review and research resources)":  "Ajouter ou mettre à jour vos activités de recherche (travaux, affiliations, financements, évaluations par les pairs et ressources de recherche)",
		"Add or update other information about you (country, keywords, websites, other names and other identifiers)": "Ajouter ou mettre à jour d’autres informations vous concernant (pays, mots-clés, sites web, autres noms et autres identifiants)",
		"Read your public information": "Lire vos informations publiques",

		// OAuth error page.
		"Oops, something went wrong": "Oups, un problème est survenu",
		"Error":                      "Erreur",
		"Description":                "Description",
		"If you are the developer of the application that sent you here, check its client id, redirect URI and scopes on the %s page.": "Si vous développez l’application qui vous a envoyé ici, vérifiez son client id, son URI de redirection et ses portées sur la page %s.",
		"developer tools": "outils de développement",

		// Sign-in.
		"to continue to %s":                        "pour continuer vers %s",
		"Email or 16-digit ORCID iD":               "E-mail ou identifiant ORCID à 16 chiffres",
		"example@email.com or 0000-0000-0000-0000": "exemple@email.com ou 0000-0000-0000-0000",
		"Password":                    "Mot de passe",
		"Don't have an ORCID iD yet?": "Vous n’avez pas encore d’identifiant ORCID ?",
		"Register now":                "Inscrivez-vous",
		"Incorrect email, ORCID iD or password. Please try again.": "E-mail, identifiant ORCID ou mot de passe incorrect. Veuillez réessayer.",

		// Registration.
		"Create your ORCID iD": "Créez votre identifiant ORCID",
		"and continue to %s":   "et continuez vers %s",
		"This is a test registry: use any name and address. Sandbox e-mail is kept in the %s.": "Ceci est un registre de test : utilisez n’importe quel nom et adresse. Les e-mails du sandbox sont conservés dans la %s.",
		"outbox": "boîte d’envoi",
		"Please correct the fields marked below.": "Veuillez corriger les champs signalés ci-dessous.",
		"First name":              "Prénom",
		"Last name":               "Nom",
		"(optional)":              "(facultatif)",
		"Primary email":           "E-mail principal",
		"(at least 8 characters)": "(au moins 8 caractères)",
		"Who can see what you and trusted organizations add to your record?": "Qui peut voir ce que vous et les organisations de confiance ajoutez à votre dossier ?",
		"Everyone":                                      "Tout le monde",
		"Trusted parties":                               "Parties de confiance",
		"Only me":                                       "Moi seulement",
		"Already have an ORCID iD?":                     "Vous avez déjà un identifiant ORCID ?",
		"Please enter your first/given name.":           "Veuillez saisir votre prénom.",
		"Please enter a valid email address.":           "Veuillez saisir une adresse e-mail valide.",
		"Passwords must be at least 8 characters long.": "Le mot de passe doit comporter au moins 8 caractères.",
		"An ORCID record already exists with this email address; sign in instead.": "Un dossier ORCID existe déjà avec cette adresse e-mail ; connectez-vous plutôt.",

		// Account.
		"Trusted organizations": "Organisations de confiance",
		"Access removed.":       "Accès supprimé.",
		"Organization":          "Organisation",
		"Access":                "Accès",
		"Granted":               "Accordé",
		"Action":                "Action",
		"Revoke access for %s":  "Révoquer l’accès de %s",
		"Revoke access":         "Révoquer l’accès",
		"You have not granted access to any organization.": "Vous n’avez accordé l’accès à aucune organisation.",
	}
}
