"""The demo's public consultations: one open in Fès, one closed in Marrakech and in Agadir,
each with what residents sent (some published and supported, some merged into an
expectation of the study, one rejected, and in Fès some still to moderate), entered through
the real rules."""

from datetime import date, timedelta

import sqlalchemy as sa

from portal.extensions import db
from portal.models.diagnostic import Consultation, Expectation, ExpectationStatus
from portal.models.organizations import City
from portal.models.plans import Action, Domain, Plan
from portal.models.users import Role
from portal.services import diagnostic
from portal.services.diagnostic import consultations as consultation
from seeds.people import people_by_role

# slug: (days from today to the opening, and to the last day; districts)
PERIODS = {
    "fes": (
        -12,
        18,
        ["Agdal", "Fès-Médina", "Jnan El Ouard", "Marinides", "Mechouar Fès Jdid", "Saïs"],
    ),
    "marrakech": (-120, -60, ["Annakhil", "Guéliz", "Marrakech-Médina", "Ménara", "SYBA"]),
    "agadir": (-90, -45, ["Anza", "Bensergao", "Dakhla", "Talborjt", "Tikiouine"]),
}

# (domain, district index or None, text, supports, outcome): "publish", "pending", "merge",
# "reject". Residents write in French or in Arabic.
SUBMISSIONS = [
    (
        "sante",
        2,
        "Pouvoir prendre rendez-vous au centre de santé du quartier sans se déplacer deux fois.",
        14,
        "publish",
    ),
    (
        "tourisme",
        1,
        "نريد شبكة واي فاي مجانية في الساحات العمومية للمدينة العتيقة",
        9,
        "publish",
    ),
    (
        "education",
        None,
        "Des salles informatiques ouvertes le samedi pour les élèves qui n'ont pas d'ordinateur.",
        6,
        "publish",
    ),
    (
        "mobilite",
        None,
        "Connaître l'heure d'arrivée du prochain bus sur son téléphone, arrêt par arrêt.",
        11,
        "publish",
    ),
    (
        "e-administration",
        0,
        "Recevoir un SMS quand mon acte d'état civil est prêt au bureau de l'arrondissement.",
        4,
        "publish",
    ),
    (
        "emploi",
        3,
        "Un espace où les jeunes diplômés apprennent à créer un site pour leur petit commerce.",
        0,
        "pending",
    ),
    (
        "sante",
        2,
        "Prendre rendez-vous en ligne au centre de santé, comme dans les cliniques privées.",
        0,
        "merge",
    ),
    (
        "mobilite",
        None,
        "Je veux que la mairie répare la route devant chez moi, rue 12, appelez-moi.",
        0,
        "reject",
    ),
]
# Fès, still open, has more that wait.
MORE_PENDING = [
    (
        "activite-economique",
        5,
        "Aider les artisans de la médina à vendre en ligne, avec le paiement à la livraison.",
    ),
    ("e-administration", None, "أريد أداء الضرائب المحلية عبر الهاتف دون التنقل إلى الجماعة"),
]


def load_consultations(today: date) -> int:
    secretariat = people_by_role().get(Role.SECRETARIAT)
    if secretariat is None or db.session.scalar(sa.select(Consultation.id)):
        return 0
    domains = {d.code: d.id for d in db.session.scalars(sa.select(Domain))}
    added = 0
    for city in db.session.scalars(sa.select(City).order_by(City.name)):
        if city.slug not in PERIODS:
            continue
        opening, closing, districts = PERIODS[city.slug]
        opened = consultation.save_consultation(
            secretariat,
            None,
            city_id=city.id,
            title=f"Le numérique que vous attendez à {city.name}",
            title_en=f"The digital services you expect in {city.name_en or city.name}",
            title_ar=f"الخدمات الرقمية التي تنتظرونها في {city.name_ar or city.name}",
            introduction=(
                "Le schéma directeur de la transformation numérique de la ville se prépare. "
                "Dites-nous quel service numérique vous changerait la vie, dans votre quartier "
                "ou pour toute la ville, et soutenez les attentes des autres."
            ),
            introduction_en=(
                "The city's digital-transformation master plan is being prepared. Tell us "
                "which digital service would change your life, in your district or for the "
                "whole city, and support what others expect."
            ),
            introduction_ar=(
                "يجري إعداد المخطط المديري للتحول الرقمي للمدينة. أخبرونا بالخدمة الرقمية التي "
                "ستغير حياتكم، في حيكم أو في المدينة كلها، وادعموا انتظارات الآخرين."
            ),
            districts="\n".join(districts),
            opens_on=today + timedelta(days=opening),
            closes_on=today + timedelta(days=closing),
        )
        db.session.flush()
        during = opened.opens_on + timedelta(days=3)
        rows = SUBMISSIONS + (
            [(code, d, text, 0, "pending") for code, d, text in MORE_PENDING]
            if city.slug == "fes"
            else []
        )
        study_health = db.session.scalar(
            sa.select(Expectation)
            .where(
                Expectation.city_id == city.id,
                Expectation.domain_id == domains["sante"],
                Expectation.consultation_id.is_(None),
                Expectation.status.in_([ExpectationStatus.SUBMITTED, ExpectationStatus.QUALIFIED]),
            )
            .order_by(Expectation.id)
            .limit(1)
        )
        actions = {
            a.domain_id: a
            for a in db.session.scalars(
                sa.select(Action).join(Plan).where(Plan.city_id == city.id).order_by(Action.code)
            )
        }
        for number, (code, district, text, supports, outcome) in enumerate(rows):
            sent = consultation.submit(
                opened,
                domain_id=domains[code],
                district=districts[district] if district is not None else "",
                text=text,
                email=f"habitant{number}@exemple.ma" if number % 2 == 0 else "",
                language="ar" if any("\u0600" <= ch <= "\u06ff" for ch in text) else "fr",
                today=during,
            )
            db.session.flush()
            added += 1
            if outcome == "publish":
                consultation.publish(
                    secretariat,
                    sent,
                    text=text,
                    importance=3 + number % 3,
                    population=str(5000 * (number + 1)),
                    expected_version=sent.version,
                )
                db.session.flush()
                for n in range(supports):
                    consultation.support(
                        sent,
                        browser_token=f"demo-{city.slug}-{sent.id}-{n}",
                        email=f"soutien{n}@exemple.ma" if n % 3 == 0 else "",
                        today=during + timedelta(days=1 + n % 5),
                    )
                if number % 2 == 0:
                    diagnostic.qualify(
                        secretariat, sent, feasibility=3 + number % 2, expected_version=sent.version
                    )
                    db.session.flush()
                    if sent.domain_id in actions:
                        diagnostic.answer(
                            secretariat,
                            sent,
                            [actions[sent.domain_id].id],
                            expected_version=sent.version,
                        )
            elif outcome == "merge" and study_health is not None:
                consultation.merge(secretariat, sent, study_health, expected_version=sent.version)
            elif outcome == "reject":
                consultation.reject(
                    secretariat,
                    sent,
                    reason=(
                        "Demande de travaux de voirie, hors du schéma numérique ; elle contenait "
                        "aussi une adresse personnelle."
                    ),
                    expected_version=sent.version,
                )
            db.session.flush()
    return added
