package sandbox

// messagesES is the Spanish catalogue of the site pages: English text ->
// Spanish. Button and link texts follow ORCID's own Spanish pages where the
// emulator has the same control.
func messagesES() map[string]string {
	return map[string]string{
		// Layout and page titles.
		"ORCID offline sandbox": "Sandbox de ORCID sin conexión",
		"Skip to main content":  "Ir al contenido principal",
		"offline sandbox":       "sandbox sin conexión",
		"Main":                  "Principal",
		"Developer tools":       "Herramientas para desarrolladores",
		"Outbox":                "Bandeja de salida",
		"Account":               "Cuenta",
		"Sign out":              "Cerrar sesión",
		"Sign in":               "Iniciar sesión",
		"Register":              "Registrarse",
		"This is an offline emulator of sandbox.orcid.org for development and tests. Its data stay on this machine and no e-mail is delivered.": "Este es un emulador sin conexión de sandbox.orcid.org para desarrollo y pruebas. Sus datos permanecen en este equipo y no se envía ningún correo electrónico.",
		"Authorization error":     "Error de autorización",
		"Authorize access":        "Autorizar acceso",
		"Account settings":        "Configuración de la cuenta",
		"Page not found":          "Página no encontrada",
		"Sign out of the sandbox": "Cerrar sesión en el sandbox",

		// Consent.
		"Signed in as": "Sesión iniciada como",
		"%s has asked for the following access to your ORCID record": "%s ha solicitado el siguiente acceso a su registro ORCID",
		"Deny access": "Denegar acceso",
		"If you authorize, this organization will have access to your ORCID record as described above. You can manage access in your %s under trusted organizations.": "Si autoriza, esta organización tendrá acceso a su registro ORCID como se describe arriba. Puede gestionar el acceso en la %s, en organizaciones de confianza.",
		"account settings":  "configuración de la cuenta",
		"Get your ORCID iD": "Obtener su ORCID iD",
		"Read your information with visibility set to Trusted Parties":                                               "Leer su información con visibilidad para partes de confianza",
		"Add or update your research activities (works, affiliations, funding, peer review and research resources)":  "Añadir o actualizar sus actividades de investigación (trabajos, afiliaciones, financiación, revisión por pares y recursos de investigación)",
		"Add or update other information about you (country, keywords, websites, other names and other identifiers)": "Añadir o actualizar otra información sobre usted (país, palabras clave, sitios web, otros nombres y otros identificadores)",
		"Read your public information": "Leer su información pública",

		// OAuth error page.
		"Oops, something went wrong": "Vaya, algo ha fallado",
		"Error":                      "Error",
		"Description":                "Descripción",
		"If you are the developer of the application that sent you here, check its client id, redirect URI and scopes on the %s page.": "Si es el desarrollador de la aplicación que le ha traído aquí, compruebe su client id, su URI de redirección y sus ámbitos en la página de %s.",
		"developer tools": "herramientas para desarrolladores",

		// Sign-in.
		"to continue to %s":                        "para continuar a %s",
		"Email or 16-digit ORCID iD":               "Correo electrónico u ORCID iD de 16 dígitos",
		"example@email.com or 0000-0000-0000-0000": "ejemplo@correo.com o 0000-0000-0000-0000",
		"Password":                    "Contraseña",
		"Don't have an ORCID iD yet?": "¿Todavía no tiene un ORCID iD?",
		"Register now":                "Regístrese ahora",
		"Incorrect email, ORCID iD or password. Please try again.": "Correo electrónico, ORCID iD o contraseña incorrectos. Inténtelo de nuevo.",

		// Registration.
		"Create your ORCID iD": "Cree su ORCID iD",
		"and continue to %s":   "y continúe a %s",
		"This is a test registry: use any name and address. Sandbox e-mail is kept in the %s.": "Este es un registro de pruebas: use cualquier nombre y dirección. El correo del sandbox se guarda en la %s.",
		"outbox": "bandeja de salida",
		"Please correct the fields marked below.": "Corrija los campos marcados abajo.",
		"First name":              "Nombre",
		"Last name":               "Apellidos",
		"(optional)":              "(opcional)",
		"Primary email":           "Correo electrónico principal",
		"(at least 8 characters)": "(al menos 8 caracteres)",
		"Who can see what you and trusted organizations add to your record?": "¿Quién puede ver lo que usted y las organizaciones de confianza añaden a su registro?",
		"Everyone":                                      "Todo el mundo",
		"Trusted parties":                               "Partes de confianza",
		"Only me":                                       "Solo yo",
		"Already have an ORCID iD?":                     "¿Ya tiene un ORCID iD?",
		"Please enter your first/given name.":           "Introduzca su nombre.",
		"Please enter a valid email address.":           "Introduzca una dirección de correo electrónico válida.",
		"Passwords must be at least 8 characters long.": "La contraseña debe tener al menos 8 caracteres.",
		"An ORCID record already exists with this email address; sign in instead.": "Ya existe un registro ORCID con esta dirección de correo; inicie sesión.",

		// Account.
		"Trusted organizations": "Organizaciones de confianza",
		"Access removed.":       "Acceso eliminado.",
		"Organization":          "Organización",
		"Access":                "Acceso",
		"Granted":               "Concedido",
		"Action":                "Acción",
		"Revoke access for %s":  "Revocar el acceso de %s",
		"Revoke access":         "Revocar acceso",
		"You have not granted access to any organization.": "No ha concedido acceso a ninguna organización.",
	}
}
