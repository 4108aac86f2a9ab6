package web

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/orcidlink/orcidlink/internal/connect"
	"github.com/orcidlink/orcidlink/internal/store"
)

// messages holds the researcher-facing texts per language. Keys are the
// English texts themselves, so English needs no table and a template
// reads as what it shows; a missing translation falls back to English.
// TestTranslationsComplete checks that every key the researcher's
// templates and handlers use has a Spanish and a French text.
var messages = map[string]map[string]string{
	"en": {},
	"es": {
		// Layout and shared.
		"Skip to content":                   "Ir al contenido",
		"Questions? Contact %s:":            "¿Preguntas? Contacte con %s:",
		"If you need help, contact %s:":     "Si necesita ayuda, contacte con %s:",
		"Language":                          "Idioma",
		"Connect your ORCID iD":             "Conecte su ORCID iD",
		"Your ORCID iD is connected":        "Su ORCID iD está conectado",
		"the organization that invited you": "la organización que le invitó",

		// Invitation.
		"%s invites you to connect your ORCID iD": "%s le invita a conectar su ORCID iD",
		"You connected your ORCID iD before, with fewer permissions. %s now asks for the permissions below; ORCID will show them to you before you agree.": "Ya conectó su ORCID iD con menos permisos. %s solicita ahora los permisos indicados abajo; ORCID se los mostrará antes de que dé su acuerdo.",
		"Your earlier connection was revoked at ORCID. You can connect again below.":                                                                       "Su conexión anterior fue revocada en ORCID. Puede volver a conectarse a continuación.",
		"What is ORCID?": "¿Qué es ORCID?",
		"ORCID gives researchers a free, unique and persistent identifier, the ORCID iD, and a record that they control. Publishers, funders and institutions use it to attribute work to the right person.": "ORCID ofrece a los investigadores un identificador gratuito, único y persistente, el ORCID iD, y un registro que ellos controlan. Editoriales, financiadores e instituciones lo usan para atribuir cada trabajo a la persona correcta.",
		"Why does %s ask?": "¿Por qué lo pide %s?",
		"Connecting lets %s know your ORCID iD for certain, because ORCID confirms it when you sign in: you never type it, and nobody can enter a wrong one for you.": "La conexión permite a %s conocer su ORCID iD con certeza, porque ORCID lo confirma cuando usted inicia sesión: nunca lo escribe, y nadie puede introducir uno equivocado por usted.",
		"What %s will be able to do": "Lo que %s podrá hacer",
		"You stay in control: you can disconnect at any time from the link in your email, or remove %s from the trusted organizations in your ORCID account.": "Usted mantiene el control: puede desconectarse en cualquier momento desde el enlace de su correo, o quitar a %s de las organizaciones de confianza de su cuenta ORCID.",
		"You will go to the ORCID website to sign in, or to register if you have no ORCID iD yet (it takes a minute). ORCID then brings you back here.":       "Irá al sitio web de ORCID para iniciar sesión, o para registrarse si aún no tiene un ORCID iD (lleva un minuto). Después ORCID le traerá de vuelta aquí.",

		// Permissions.
		"Receive your ORCID iD and your public name from ORCID, as proof that you signed in.":                    "Recibir de ORCID su ORCID iD y su nombre público, como prueba de que inició sesión.",
		"Know your ORCID iD for certain: ORCID confirms it, so nobody has to type it.":                           "Conocer su ORCID iD con certeza: ORCID lo confirma, así que nadie tiene que escribirlo.",
		"Read the information in your ORCID record that you share with trusted organizations.":                   "Leer la información de su registro ORCID que usted comparte con organizaciones de confianza.",
		"Add your works, peer reviews, affiliations and funding to your ORCID record, and keep them up to date.": "Añadir sus trabajos, revisiones por pares, afiliaciones y financiación a su registro ORCID, y mantenerlos al día.",
		"Add and update biographical information in your ORCID record, such as other identifiers and websites.":  "Añadir y actualizar información biográfica de su registro ORCID, como otros identificadores y sitios web.",

		// Connected.
		"Thank you: your ORCID iD is now connected.":    "Gracias: su ORCID iD ya está conectado.",
		"%s now has your ORCID iD, confirmed by ORCID:": "%s tiene ahora su ORCID iD, confirmado por ORCID:",
		"There is nothing else you need to do.":         "No necesita hacer nada más.",
		"Changed your mind?":                            "¿Ha cambiado de opinión?",
		"Disconnect my ORCID iD":                        "Desconectar mi ORCID iD",

		// Disconnect, confirmed first; consent texts that follow the tenant's asks.
		"Disconnect my ORCID iD…":           "Desconectar mi ORCID iD…",
		"Disconnect your ORCID iD?":         "¿Desconectar su ORCID iD?",
		"Disconnect your ORCID iD from %s?": "¿Desconectar su ORCID iD de %s?",
		"Keep it connected":                 "Mantenerlo conectado",
		"%s will no longer add anything to your ORCID record; what it added stays there, and you can delete it from your ORCID account.": "%s ya no añadirá nada a su registro ORCID; lo que ya añadió se queda allí, y puede borrarlo desde su cuenta ORCID.",
		"Add your works and peer reviews to your ORCID record, and keep them up to date.":                                                "Añadir sus trabajos y revisiones por pares a su registro ORCID, y mantenerlos al día.",
		"Add your affiliations (employment, education, memberships) to your ORCID record, and keep them up to date.":                     "Añadir sus afiliaciones (empleo, formación, membresías) a su registro ORCID, y mantenerlas al día.",
		"ORCID grants this as one permission, which also covers other sections of your record; %s uses it only for what is listed here.": "ORCID concede esto como un único permiso, que cubre también otras secciones de su registro; %s solo lo usa para lo que se indica aquí.",

		// Peer reviews.
		"Add the peer reviews I complete for %s to my ORCID record":                         "Añadir a mi registro ORCID las revisiones por pares que complete para %s",
		"Untick this to keep your reviews off your record. You can change your mind later.": "Desmarque esta casilla para que sus revisiones no figuren en su registro. Puede cambiar de opinión más adelante.",
		"Peer reviews": "Revisiones por pares",
		"%s adds the peer reviews you complete for it to your ORCID record.":                                      "%s añade a su registro ORCID las revisiones por pares que usted complete para la revista.",
		"%s does not add your peer reviews to your ORCID record.":                                                 "%s no añade sus revisiones por pares a su registro ORCID.",
		"Stop adding my peer reviews":                                                                             "Dejar de añadir mis revisiones por pares",
		"Add my peer reviews":                                                                                     "Añadir mis revisiones por pares",
		"From now on, %s will not add your peer reviews to your ORCID record.":                                    "A partir de ahora, %s no añadirá sus revisiones por pares a su registro ORCID.",
		"From now on, %s will add your peer reviews to your ORCID record.":                                        "A partir de ahora, %s añadirá sus revisiones por pares a su registro ORCID.",
		"Disconnecting revokes the access of %s at ORCID and deletes your iD and access tokens from its records.": "Al desconectarse se revoca en ORCID el acceso de %s y se borran de sus registros su iD y los tokens de acceso.",
		"To disconnect later, open the link in your invitation email.":                                            "Para desconectarse más adelante, abra el enlace de su correo de invitación.",

		// Denied.
		"You did not connect your ORCID iD": "No ha conectado su ORCID iD",
		"You chose not to give %s access at ORCID, so nothing was connected and nothing was saved.": "Ha decidido no dar acceso a %s en ORCID, así que no se ha conectado ni guardado nada.",
		"Try again": "Intentarlo de nuevo",
		"If you prefer not to connect, you do not need to do anything.": "Si prefiere no conectarse, no tiene que hacer nada.",

		// Disconnected.
		"Your ORCID iD was disconnected": "Su ORCID iD ha sido desconectado",
		"Your ORCID iD was removed from the records of %s, but ORCID could not be reached to revoke its access.":                   "Su ORCID iD se ha borrado de los registros de %s, pero no se pudo contactar con ORCID para revocar su acceso.",
		"Remove %s from the trusted organizations in your ORCID account.":                                                          "Quite a %s de las organizaciones de confianza de su cuenta ORCID.",
		"The access of %s to your ORCID record was revoked at ORCID, and your iD and access tokens were deleted from its records.": "El acceso de %s a su registro ORCID ha sido revocado en ORCID, y su iD y los tokens de acceso se han borrado de sus registros.",
		"Anything already added to your ORCID record stays there; you can delete it from your ORCID account.":                      "Lo que ya se añadió a su registro ORCID permanece allí; puede borrarlo desde su cuenta ORCID.",
		"Connect your ORCID iD again": "Volver a conectar su ORCID iD",

		// Errors.
		"Something went wrong":               "Algo ha fallado",
		"Invitation not found":               "Invitación no encontrada",
		"We could not find this invitation.": "No hemos encontrado esta invitación.",
		"Check that you opened the whole link from the email. If it still does not work, ask %s for a new invitation.": "Compruebe que abrió el enlace completo del correo. Si sigue sin funcionar, pida una nueva invitación a %s.",
		"This invitation is no longer valid":                                               "Esta invitación ya no es válida",
		"This invitation has expired, or a newer one replaced it.":                         "Esta invitación ha caducado, o una más reciente la ha sustituido.",
		"Use the link in the most recent email from %s, or ask them for a new invitation.": "Use el enlace del correo más reciente de %s, o pídale una nueva invitación.",
		"The connection could not be completed":                                            "No se pudo completar la conexión",
		"We could not complete the connection with ORCID: the request was not valid, had already been used, or took too long. Nothing was saved.": "No pudimos completar la conexión con ORCID: la solicitud no era válida, ya se había usado o tardó demasiado. No se ha guardado nada.",
		"Open the link in your invitation email again and start over, in the same browser from start to finish.":                                  "Vuelva a abrir el enlace de su correo de invitación y empiece de nuevo, en el mismo navegador de principio a fin.",
		"This ORCID iD is already connected": "Este ORCID iD ya está conectado",
		"The ORCID iD you signed in with is already connected to another person at %s. Nothing was saved.":                                                 "El ORCID iD con el que inició sesión ya está conectado a otra persona en %s. No se ha guardado nada.",
		"If you have another ORCID record that is yours alone, start again and sign in with that one. Otherwise, contact %s so that they can sort it out.": "Si tiene otro registro ORCID que sea solo suyo, empiece de nuevo e inicie sesión con ese. Si no, contacte con %s para que lo resuelvan.",
		"ORCID did not complete the connection":                                                                         "ORCID no completó la conexión",
		"ORCID did not complete the connection, so nothing was saved.":                                                  "ORCID no completó la conexión, así que no se ha guardado nada.",
		"Please try again in a few minutes from the link in your invitation email.":                                     "Inténtelo de nuevo dentro de unos minutos desde el enlace de su correo de invitación.",
		"The connection to ORCID is being repaired":                                                                     "La conexión con ORCID está en reparación",
		"%s's connection to ORCID is being repaired, so your ORCID iD cannot be connected just now. Nothing was saved.": "La conexión de %s con ORCID está en reparación, por lo que su ORCID iD no puede conectarse por ahora. No se ha guardado nada.",
		"You do not need to do anything: we will email you as soon as it works again.":                                  "No necesita hacer nada: le escribiremos en cuanto vuelva a funcionar.",
		"No ORCID iD to disconnect":                                                                                     "No hay ningún ORCID iD que desconectar",
		"There is no connected ORCID iD to disconnect.":                                                                 "No hay ningún ORCID iD conectado que desconectar.",
		"Nothing needs to be done. To connect your iD, open the link in your invitation email.":                         "No hay que hacer nada. Para conectar su iD, abra el enlace de su correo de invitación.",
		"Something went wrong on our side, and nothing was saved.":                                                      "Algo ha fallado por nuestra parte, y no se ha guardado nada.",
		"Please try again in a moment.":                                                                                 "Inténtelo de nuevo en un momento.",
		"This form was sent from another site, so it was refused.":                                                      "Este formulario se envió desde otro sitio, por eso se rechazó.",
		"Go back to the page, reload it and try again.":                                                                 "Vuelva a la página, recárguela e inténtelo de nuevo.",
		"Something went wrong on our side.":                                                                             "Algo ha fallado por nuestra parte.",
	},
	"fr": {
		"Skip to content":                   "Aller au contenu",
		"Questions? Contact %s:":            "Des questions ? Contactez %s :",
		"If you need help, contact %s:":     "Si vous avez besoin d’aide, contactez %s :",
		"Language":                          "Langue",
		"Connect your ORCID iD":             "Connecter votre identifiant ORCID",
		"Your ORCID iD is connected":        "Votre identifiant ORCID est connecté",
		"the organization that invited you": "l’organisation qui vous a invité",

		"%s invites you to connect your ORCID iD": "%s vous invite à connecter votre identifiant ORCID",
		"You connected your ORCID iD before, with fewer permissions. %s now asks for the permissions below; ORCID will show them to you before you agree.": "Vous avez déjà connecté votre identifiant ORCID avec moins d’autorisations. %s demande maintenant les autorisations ci-dessous ; ORCID vous les montrera avant que vous donniez votre accord.",
		"Your earlier connection was revoked at ORCID. You can connect again below.":                                                                       "Votre connexion précédente a été révoquée chez ORCID. Vous pouvez vous reconnecter ci-dessous.",
		"What is ORCID?": "Qu’est-ce qu’ORCID ?",
		"ORCID gives researchers a free, unique and persistent identifier, the ORCID iD, and a record that they control. Publishers, funders and institutions use it to attribute work to the right person.": "ORCID fournit aux chercheurs un identifiant gratuit, unique et pérenne, l’identifiant ORCID, et un dossier dont ils gardent le contrôle. Éditeurs, financeurs et établissements l’utilisent pour attribuer chaque travail à la bonne personne.",
		"Why does %s ask?": "Pourquoi %s le demande-t-il ?",
		"Connecting lets %s know your ORCID iD for certain, because ORCID confirms it when you sign in: you never type it, and nobody can enter a wrong one for you.": "La connexion permet à %s de connaître votre identifiant ORCID avec certitude, car ORCID le confirme lorsque vous vous connectez : vous ne le saisissez jamais, et personne ne peut en saisir un erroné à votre place.",
		"What %s will be able to do": "Ce que %s pourra faire",
		"You stay in control: you can disconnect at any time from the link in your email, or remove %s from the trusted organizations in your ORCID account.": "Vous gardez le contrôle : vous pouvez vous déconnecter à tout moment depuis le lien de votre e-mail, ou retirer %s des organisations de confiance de votre compte ORCID.",
		"You will go to the ORCID website to sign in, or to register if you have no ORCID iD yet (it takes a minute). ORCID then brings you back here.":       "Vous irez sur le site d’ORCID pour vous connecter, ou pour vous inscrire si vous n’avez pas encore d’identifiant ORCID (cela prend une minute). ORCID vous ramènera ensuite ici.",

		"Receive your ORCID iD and your public name from ORCID, as proof that you signed in.":                    "Recevoir d’ORCID votre identifiant ORCID et votre nom public, comme preuve de votre connexion.",
		"Know your ORCID iD for certain: ORCID confirms it, so nobody has to type it.":                           "Connaître votre identifiant ORCID avec certitude : ORCID le confirme, personne n’a donc à le saisir.",
		"Read the information in your ORCID record that you share with trusted organizations.":                   "Lire les informations de votre dossier ORCID que vous partagez avec les organisations de confiance.",
		"Add your works, peer reviews, affiliations and funding to your ORCID record, and keep them up to date.": "Ajouter vos travaux, évaluations par les pairs, affiliations et financements à votre dossier ORCID, et les tenir à jour.",
		"Add and update biographical information in your ORCID record, such as other identifiers and websites.":  "Ajouter et mettre à jour les informations biographiques de votre dossier ORCID, comme d’autres identifiants et sites web.",

		"Thank you: your ORCID iD is now connected.":    "Merci : votre identifiant ORCID est maintenant connecté.",
		"%s now has your ORCID iD, confirmed by ORCID:": "%s dispose maintenant de votre identifiant ORCID, confirmé par ORCID :",
		"There is nothing else you need to do.":         "Vous n’avez rien d’autre à faire.",
		"Changed your mind?":                            "Vous avez changé d’avis ?",
		"Disconnect my ORCID iD":                        "Déconnecter mon identifiant ORCID",

		// Disconnect, confirmed first; consent texts that follow the tenant's asks.
		"Disconnect my ORCID iD…":           "Déconnecter mon identifiant ORCID…",
		"Disconnect your ORCID iD?":         "Déconnecter votre identifiant ORCID ?",
		"Disconnect your ORCID iD from %s?": "Déconnecter votre identifiant ORCID de %s ?",
		"Keep it connected":                 "Le garder connecté",
		"%s will no longer add anything to your ORCID record; what it added stays there, and you can delete it from your ORCID account.": "%s n’ajoutera plus rien à votre dossier ORCID ; ce qui a déjà été ajouté y reste, et vous pouvez le supprimer depuis votre compte ORCID.",
		"Add your works and peer reviews to your ORCID record, and keep them up to date.":                                                "Ajouter vos travaux et évaluations par les pairs à votre dossier ORCID, et les tenir à jour.",
		"Add your affiliations (employment, education, memberships) to your ORCID record, and keep them up to date.":                     "Ajouter vos affiliations (emploi, formation, adhésions) à votre dossier ORCID, et les tenir à jour.",
		"ORCID grants this as one permission, which also covers other sections of your record; %s uses it only for what is listed here.": "ORCID accorde cela en une seule autorisation, qui couvre aussi d’autres sections de votre dossier ; %s ne l’utilise que pour ce qui est indiqué ici.",

		// Peer reviews.
		"Add the peer reviews I complete for %s to my ORCID record":                         "Ajouter à mon dossier ORCID les évaluations par les pairs que je réalise pour %s",
		"Untick this to keep your reviews off your record. You can change your mind later.": "Décochez cette case pour que vos évaluations ne figurent pas dans votre dossier. Vous pourrez changer d'avis plus tard.",
		"Peer reviews": "Évaluations par les pairs",
		"%s adds the peer reviews you complete for it to your ORCID record.":                                      "%s ajoute à votre dossier ORCID les évaluations par les pairs que vous réalisez pour la revue.",
		"%s does not add your peer reviews to your ORCID record.":                                                 "%s n'ajoute pas vos évaluations par les pairs à votre dossier ORCID.",
		"Stop adding my peer reviews":                                                                             "Ne plus ajouter mes évaluations par les pairs",
		"Add my peer reviews":                                                                                     "Ajouter mes évaluations par les pairs",
		"From now on, %s will not add your peer reviews to your ORCID record.":                                    "Désormais, %s n'ajoutera plus vos évaluations par les pairs à votre dossier ORCID.",
		"From now on, %s will add your peer reviews to your ORCID record.":                                        "Désormais, %s ajoutera vos évaluations par les pairs à votre dossier ORCID.",
		"Disconnecting revokes the access of %s at ORCID and deletes your iD and access tokens from its records.": "La déconnexion révoque l’accès de %s chez ORCID et supprime votre identifiant et les jetons d’accès de ses dossiers.",
		"To disconnect later, open the link in your invitation email.":                                            "Pour vous déconnecter plus tard, ouvrez le lien de votre e-mail d’invitation.",

		"You did not connect your ORCID iD": "Vous n’avez pas connecté votre identifiant ORCID",
		"You chose not to give %s access at ORCID, so nothing was connected and nothing was saved.": "Vous avez choisi de ne pas donner accès à %s chez ORCID : rien n’a été connecté ni enregistré.",
		"Try again": "Réessayer",
		"If you prefer not to connect, you do not need to do anything.": "Si vous préférez ne pas vous connecter, vous n’avez rien à faire.",

		"Your ORCID iD was disconnected": "Votre identifiant ORCID a été déconnecté",
		"Your ORCID iD was removed from the records of %s, but ORCID could not be reached to revoke its access.":                   "Votre identifiant ORCID a été supprimé des dossiers de %s, mais ORCID n’a pas pu être joint pour révoquer son accès.",
		"Remove %s from the trusted organizations in your ORCID account.":                                                          "Retirez %s des organisations de confiance de votre compte ORCID.",
		"The access of %s to your ORCID record was revoked at ORCID, and your iD and access tokens were deleted from its records.": "L’accès de %s à votre dossier ORCID a été révoqué chez ORCID, et votre identifiant et les jetons d’accès ont été supprimés de ses dossiers.",
		"Anything already added to your ORCID record stays there; you can delete it from your ORCID account.":                      "Ce qui a déjà été ajouté à votre dossier ORCID y reste ; vous pouvez le supprimer depuis votre compte ORCID.",
		"Connect your ORCID iD again": "Connecter à nouveau votre identifiant ORCID",

		"Something went wrong":               "Un problème est survenu",
		"Invitation not found":               "Invitation introuvable",
		"We could not find this invitation.": "Nous n’avons pas trouvé cette invitation.",
		"Check that you opened the whole link from the email. If it still does not work, ask %s for a new invitation.": "Vérifiez que vous avez ouvert le lien complet de l’e-mail. Si cela ne fonctionne toujours pas, demandez une nouvelle invitation à %s.",
		"This invitation is no longer valid":                                               "Cette invitation n’est plus valable",
		"This invitation has expired, or a newer one replaced it.":                         "Cette invitation a expiré, ou une plus récente l’a remplacée.",
		"Use the link in the most recent email from %s, or ask them for a new invitation.": "Utilisez le lien du dernier e-mail de %s, ou demandez-lui une nouvelle invitation.",
		"The connection could not be completed":                                            "La connexion n’a pas pu aboutir",
		"We could not complete the connection with ORCID: the request was not valid, had already been used, or took too long. Nothing was saved.": "Nous n’avons pas pu terminer la connexion avec ORCID : la demande n’était pas valide, avait déjà été utilisée ou a pris trop de temps. Rien n’a été enregistré.",
		"Open the link in your invitation email again and start over, in the same browser from start to finish.":                                  "Rouvrez le lien de votre e-mail d’invitation et recommencez, dans le même navigateur du début à la fin.",
		"This ORCID iD is already connected": "Cet identifiant ORCID est déjà connecté",
		"The ORCID iD you signed in with is already connected to another person at %s. Nothing was saved.":                                                 "L’identifiant ORCID avec lequel vous vous êtes connecté est déjà relié à une autre personne chez %s. Rien n’a été enregistré.",
		"If you have another ORCID record that is yours alone, start again and sign in with that one. Otherwise, contact %s so that they can sort it out.": "Si vous avez un autre dossier ORCID qui n’appartient qu’à vous, recommencez et connectez-vous avec celui-ci. Sinon, contactez %s pour régler la situation.",
		"ORCID did not complete the connection":                                                                         "ORCID n’a pas terminé la connexion",
		"ORCID did not complete the connection, so nothing was saved.":                                                  "ORCID n’a pas terminé la connexion : rien n’a été enregistré.",
		"Please try again in a few minutes from the link in your invitation email.":                                     "Veuillez réessayer dans quelques minutes depuis le lien de votre e-mail d’invitation.",
		"The connection to ORCID is being repaired":                                                                     "La connexion à ORCID est en cours de réparation",
		"%s's connection to ORCID is being repaired, so your ORCID iD cannot be connected just now. Nothing was saved.": "La connexion de %s à ORCID est en cours de réparation : votre identifiant ORCID ne peut donc pas être connecté pour le moment. Rien n’a été enregistré.",
		"You do not need to do anything: we will email you as soon as it works again.":                                  "Vous n’avez rien à faire : nous vous écrirons dès que cela fonctionnera à nouveau.",
		"No ORCID iD to disconnect":                                                                                     "Aucun identifiant ORCID à déconnecter",
		"There is no connected ORCID iD to disconnect.":                                                                 "Aucun identifiant ORCID connecté n’est à déconnecter.",
		"Nothing needs to be done. To connect your iD, open the link in your invitation email.":                         "Vous n’avez rien à faire. Pour connecter votre identifiant, ouvrez le lien de votre e-mail d’invitation.",
		"Something went wrong on our side, and nothing was saved.":                                                      "Un problème est survenu de notre côté, et rien n’a été enregistré.",
		"Please try again in a moment.":                                                                                 "Veuillez réessayer dans un instant.",
		"This form was sent from another site, so it was refused.":                                                      "Ce formulaire a été envoyé depuis un autre site : il a donc été refusé.",
		"Go back to the page, reload it and try again.":                                                                 "Revenez à la page, rechargez-la et réessayez.",
		"Something went wrong on our side.":                                                                             "Un problème est survenu de notre côté.",
	},
}

// languageNames name each language in itself, for the language switch.
var languageNames = map[string]string{"en": "English", "es": "Español", "fr": "Français"}

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

// normLang reduces a tag to a language orcidlink speaks, or "".
func normLang(tag string) string {
	tag = strings.ToLower(strings.TrimSpace(tag))
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	if slices.Contains(connect.Languages, tag) {
		return tag
	}
	return ""
}

// tenantLanguages are the languages a tenant's pages may use: those it
// chose that orcidlink speaks, or all of them when it chose none.
func tenantLanguages(t store.Tenant) []string {
	var out []string
	for _, l := range t.Languages {
		if l = normLang(l); l != "" && !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	if len(out) == 0 {
		return slices.Clone(connect.Languages)
	}
	return out
}

// requestLang picks the language of a researcher's page: the one asked for
// with ?lang=, else the person's own, else the browser's first preference
// the tenant offers, else the tenant's default, else English. The tenant
// and person may be nil when unknown.
func (s *Server) requestLang(r *http.Request, t *store.Tenant, p *store.Person) string {
	allowed := slices.Clone(connect.Languages)
	if t != nil {
		allowed = tenantLanguages(*t)
	}
	ok := func(l string) bool { return l != "" && slices.Contains(allowed, l) }
	if l := normLang(r.URL.Query().Get("lang")); ok(l) {
		return l
	}
	if p != nil {
		if l := normLang(p.Language); ok(l) {
			return l
		}
	}
	for _, l := range acceptLanguages(r.Header.Get("Accept-Language")) {
		if l = normLang(l); ok(l) {
			return l
		}
	}
	if t != nil {
		if l := normLang(t.DefaultLanguage); ok(l) {
			return l
		}
		return allowed[0]
	}
	return "en"
}

// acceptLanguages lists the tags of an Accept-Language header, most
// preferred first (by q, then by order), without those refused (q=0).
func acceptLanguages(h string) []string {
	type tag struct {
		name string
		q    float64
	}
	var tags []tag
	for _, part := range strings.Split(h, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				continue
			}
			q = f
		}
		if name = strings.TrimSpace(name); name != "" && name != "*" && q > 0 {
			tags = append(tags, tag{name, q})
		}
	}
	sort.SliceStable(tags, func(i, j int) bool { return tags[i].q > tags[j].q })
	out := make([]string, len(tags))
	for i, t := range tags {
		out[i] = t.name
	}
	return out
}
