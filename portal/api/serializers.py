"""The shapes of the open data. Field names are the domain's Dutch nouns, as in the models;
each field's description comes from its model (verbose name, help text) or is given here."""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from afspraken.models import STATUS_CHOICES, Indicator, Meting, Partij, status_label
from rapportages.models import Editie, GepubliceerdeStand, Rapportage
from trajecten.models import Faseperiode, Thema, Traject

from .published import PARTIJEN_SEPARATOR


class AbsoluteUrlField(serializers.ReadOnlyField):
    """The address of an object's page (or, with `method`, of another of its documents)."""

    def __init__(self, method: str = "get_absolute_url", **kwargs):
        self.method = method
        super().__init__(source="*", **kwargs)

    def to_representation(self, value):
        return self.context["request"].build_absolute_uri(getattr(value, self.method)())


AbsoluteUrlField = extend_schema_field(OpenApiTypes.URI)(AbsoluteUrlField)


class EmptyAsNullUrlField(serializers.URLField):
    """A URL, or null where there is none (the model keeps an empty string)."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, allow_null=True, **kwargs)

    def to_representation(self, value):
        return value or None


class FaseperiodeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Faseperiode
        fields = ["fase", "startdatum", "einddatum"]
        extra_kwargs = {
            "einddatum": {"help_text": "Leeg zolang de fase loopt; de fase loopt tot deze datum."}
        }


class ThemaSerializer(serializers.ModelSerializer):
    class Meta:
        model = Thema
        fields = ["naam", "volgorde"]


class TrajectSerializer(serializers.ModelSerializer):
    faseperiodes = FaseperiodeSerializer(many=True, read_only=True)
    themas = ThemaSerializer(many=True, read_only=True)
    publicatie_url = EmptyAsNullUrlField(help_text="De publicatie van het traject, als die er is.")
    url = AbsoluteUrlField(help_text="De pagina van het traject in het portaal.")

    class Meta:
        model = Traject
        fields = [
            "slug",
            "naam",
            "domein",
            "icd10_codes",
            "omschrijving",
            "signalementdatum",
            "publicatie_url",
            "afsluiting",
            "overgedragen_aan",
            "bevroren_tot",
            "faseperiodes",
            "themas",
            "url",
        ]
        extra_kwargs = {
            "bevroren_tot": {
                "help_text": "De peildatum van de nieuwste gepubliceerde rapportage over dit "
                "traject; leeg zolang er geen is."
            }
        }


class PartijSerializer(serializers.ModelSerializer):
    class Meta:
        model = Partij
        fields = ["afkorting", "naam", "soort"]


class StandSerializer(serializers.ModelSerializer):
    """One agreement as one edition published it."""

    status = serializers.ChoiceField(choices=STATUS_CHOICES, help_text="De status.")
    status_label = serializers.SerializerMethodField(help_text="De status in woorden.")
    partijen = serializers.SerializerMethodField(
        help_text="De afkortingen van de betrokken partijen, de regiehouder eerst."
    )

    class Meta:
        model = GepubliceerdeStand
        fields = [
            "editie",
            "peildatum",
            "published_at",
            "nummer",
            "titel",
            "thema",
            "regiehouder",
            "partijen",
            "status",
            "status_label",
            "status_peildatum",
            "tekst_html",
            "toelichting_html",
            "verwachte_datum",
        ]
        extra_kwargs = {
            "editie": {"help_text": "De editie die deze stand publiceerde (`/edities/{id}/`)."},
            "status_peildatum": {
                "help_text": "De peildatum van de voortgangsupdate die de status zette; leeg "
                "als er nog geen voortgang was gemeld."
            },
            "tekst_html": {
                "help_text": "Wat er is bereikt, als opgeschoonde HTML, zoals gepubliceerd."
            },
            "toelichting_html": {
                "help_text": "De toelichting bij een vertraging of stop, als opgeschoonde HTML."
            },
            "regiehouder": {"help_text": "De afkorting van de regiehouder."},
        }

    def get_status_label(self, stand) -> str:
        return status_label(stand.status)

    def get_partijen(self, stand) -> list[str]:
        return stand.partijen.split(PARTIJEN_SEPARATOR) if stand.partijen else []


class VerbeterafspraakSerializer(serializers.ModelSerializer):
    """An agreement: its newest published state."""

    id = serializers.IntegerField(source="verbeterafspraak_id", help_text="Het nummer in de API.")
    traject = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, help_text="De slug van het traject."
    )
    stand = StandSerializer(source="*", help_text="De stand in de nieuwste editie die haar toonde.")
    url = serializers.SerializerMethodField(help_text="De pagina van de afspraak in het portaal.")

    class Meta:
        model = GepubliceerdeStand
        fields = ["id", "traject", "nummer", "titel", "thema", "stand", "url"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, stand) -> str:
        path = reverse("afspraken:detail", kwargs={"pk": stand.verbeterafspraak_id})
        return self.context["request"].build_absolute_uri(path)


class VerbeterafspraakDetailSerializer(VerbeterafspraakSerializer):
    standen = StandSerializer(
        many=True,
        source="alle_standen",
        help_text="De stand in elke editie die de afspraak toonde, de nieuwste eerst.",
    )

    class Meta(VerbeterafspraakSerializer.Meta):
        fields = [*VerbeterafspraakSerializer.Meta.fields, "standen"]


class MetingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Meting
        fields = ["jaar", "waarde", "peildatum", "bron", "toelichting"]
        extra_kwargs = {
            "peildatum": {"help_text": "De datum waarop dit cijfer bekend was."},
            "bron": {"help_text": "Alleen als die afwijkt van de bron van de indicator."},
        }


class IndicatorSerializer(serializers.ModelSerializer):
    traject = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, help_text="De slug van het traject."
    )
    verbeterafspraak = serializers.PrimaryKeyRelatedField(
        read_only=True,
        allow_null=True,
        help_text="De afspraak (`/verbeterafspraken/{id}/`); leeg bij een indicator van het "
        "traject als geheel.",
    )
    leverancier = serializers.SlugRelatedField(
        slug_field="afkorting", read_only=True, help_text="De partij die de cijfers levert."
    )
    metingen = MetingSerializer(
        many=True,
        source="gepubliceerde_metingen",
        help_text="De gepubliceerde metingen, per jaar en dan op de datum waarop ze bekend "
        "waren: van een jaar telt de laatste (een correctie is een nieuwe meting).",
    )

    class Meta:
        model = Indicator
        fields = [
            "id",
            "traject",
            "verbeterafspraak",
            "naam",
            "definitie",
            "eenheid",
            "richting",
            "basisjaar",
            "basiswaarde",
            "streefjaar",
            "streefwaarde",
            "bron",
            "leverancier",
            "metingen",
        ]


class EditieSerializer(serializers.ModelSerializer):
    html_url = AbsoluteUrlField(help_text="De editie als HTML, zoals gepubliceerd.")
    pdf_url = AbsoluteUrlField("get_pdf_url", help_text="De editie als PDF, zoals gepubliceerd.")

    class Meta:
        model = Editie
        fields = [
            "id",
            "rapportage",
            "nummer",
            "titel",
            "peildatum",
            "published_at",
            "html_url",
            "html_sha256",
            "pdf_url",
            "pdf_sha256",
        ]
        extra_kwargs = {
            "html_sha256": {"help_text": "SHA-256 van de bytes achter `html_url`."},
            "pdf_sha256": {"help_text": "SHA-256 van de bytes achter `pdf_url`."},
        }


class RapportageSerializer(serializers.ModelSerializer):
    traject = serializers.SlugRelatedField(
        slug_field="slug",
        read_only=True,
        allow_null=True,
        help_text="De slug van het traject; leeg bij de implementatiebrede rapportage.",
    )
    titel = serializers.SerializerMethodField(help_text="De titel in de nieuwste editie.")
    peildatum = serializers.SerializerMethodField(help_text="De peildatum van de nieuwste editie.")
    url = AbsoluteUrlField(help_text="De nieuwste editie als HTML.")
    pdf_url = AbsoluteUrlField("get_pdf_url", help_text="De nieuwste editie als PDF.")
    edities = EditieSerializer(many=True, read_only=True, help_text="De nieuwste eerst.")

    class Meta:
        model = Rapportage
        fields = [
            *["id", "soort", "jaar", "traject", "titel", "peildatum", "url", "pdf_url", "edities"]
        ]

    def get_titel(self, rapportage) -> str:
        return rapportage.edities.all()[0].titel

    @extend_schema_field(OpenApiTypes.DATE)
    def get_peildatum(self, rapportage):
        return rapportage.edities.all()[0].peildatum
