# The public title index on the lower-cased title, which lists sort by: case never decides
# the order, even on a server whose "natural" collation could not be ICU's (0015). Builds
# the index again: at 100,000 notes a second or two, during which title pages read slower.

import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('notes', '0015_title_sort_natural'),
        ('taggit', '0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='note',
            name='notes_public_paper_title_idx',
        ),
        migrations.AddIndex(
            model_name='note',
            index=models.Index(django.db.models.functions.text.Lower('paper_title'), models.F('id'), condition=models.Q(('deleted_at__isnull', True), ('hidden_at__isnull', True), ('visibility', 'public')), name='notes_public_paper_title_idx'),
        ),
    ]
