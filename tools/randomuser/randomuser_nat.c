/* randomuser_nat.c: see randomuser_nat.h. Data only. */
#include "tools/randomuser/randomuser_nat.h"
#include <ctype.h>
#include <stddef.h>

#define L(...) (const char *const[]){__VA_ARGS__, NULL}
#define P(...) (const randomuser_place[]){__VA_ARGS__, {NULL, NULL}}

const randomuser_nat randomuser_aNat[] = {
    {"US", "United States",
     L("James", "Brad", "Dwayne", "Jesse", "Calvin", "Herman", "Todd", "Marvin"),
     L("Jennie", "Kathy", "Tracey", "Megan", "Leah", "Brittany", "Sue", "Lily"),
     L("Nichols", "Gibson", "Hughes", "Ruiz", "Stevens", "Fernandez", "O'Brien", "Hawkins"),
     L("Valwood Pkwy", "Hickory Creek Dr", "Lovers Ln", "Mcclellan Rd", "W Dallas St",
       "Northaven Rd"),
     P({"Billings", "Michigan"}, {"Fort Worth", "Texas"}, {"Albuquerque", "New Mexico"},
       {"Coral Springs", "Florida"}, {"Fontana", "California"}),
     "#####", 1, "(###) ###-####", "(###) ###-####", "SSN", "###-##-####"},
    {"GB", "United Kingdom",
     L("Oliver", "Harry", "Callum", "Rhys", "Connor", "Owen"),
     L("Amelia", "Isla", "Freya", "Niamh", "Siobhan", "Eleanor"),
     L("Hughes", "Smith", "Lewis", "Ó Briain", "Fitzgerald", "Walker"),
     L("Victoria Road", "Church Lane", "Mill Lane", "Queensway", "The Avenue"),
     P({"Stoke-on-Trent", "Cumbria"}, {"Bath", "Somerset"}, {"Aberdeen", "Grampian"},
       {"Cardiff", "South Glamorgan"}),
     "LL# #LL", 0, "0##### #####", "07### ######", "NINO", "LL ## ## ## L"},
    {"CA", "Canada",
     L("Liam", "Noah", "Mathis", "Félix", "Logan", "Étienne"),
     L("Chloé", "Emma", "Zoé", "Olivia", "Maëlle", "Charlotte"),
     L("Gagnon", "Roy", "Côté", "Tremblay", "Wilson", "Bouchard"),
     L("Frederick Ave", "Parliament St", "Dundas Rd", "Rue Principale", "Richmond Ave"),
     P({"Trois-Rivières", "Québec"}, {"Lévis", "Québec"}, {"Victoria", "British Columbia"},
       {"Halifax", "Nova Scotia"}),
     "L#L #L#", 0, "L## L##-####", "L## L##-####", "SIN", "#########"},
    {"FR", "France",
     L("Théo", "Noé", "Loïc", "Jérôme", "Maël", "Anaël"),
     L("Léa", "Zoé", "Anaïs", "Maëlys", "Océane", "Clémence"),
     L("Lefèvre", "Girard", "Mercier", "Gauthier", "Rousseau", "Dupré"),
     L("Rue de l'Abbé-Grégoire", "Place du 8 Février 1962", "Rue Gasparin", "Avenue Debourg"),
     P({"Besançon", "Doubs"}, {"Saint-Étienne", "Loire"}, {"Orléans", "Loiret"},
       {"Nîmes", "Gard"}),
     "#####", 1, "0#-##-##-##-##", "06-##-##-##-##", "INSEE", "############# ##"},
    {"DE", "Germany",
     L("Jürgen", "Jörg", "Björn", "Günther", "Lukas", "Ömer"),
     L("Jüli", "Käthe", "Lore", "Bärbel", "Margarete", "Sünje"),
     L("Müller", "Schäfer", "Weiß", "Köhler", "Groß", "Kühn"),
     L("Schloßstraße", "Mühlweg", "Königsallee", "Gartenstraße", "Lindenstraße"),
     P({"München", "Bayern"}, {"Köln", "Nordrhein-Westfalen"}, {"Lüneburg", "Niedersachsen"},
       {"Görlitz", "Sachsen"}),
     "#####", 1, "0###-#######", "017#-#######", "SVNR", "## ###### L ###"},
    {"NO", "Norway",
     L("Bjørn", "Håkon", "Ørjan", "Sindre", "Åsmund", "Even"),
     L("Åse", "Sølvi", "Ingrid", "Tuva", "Bjørg", "Mathea"),
     L("Bjørnstad", "Haugen", "Sæther", "Strøm", "Lie", "Økland"),
     L("Tårnveien", "Bøgata", "Vækerøveien", "Solbergliveien", "Haakon VIIs gate"),
     P({"Ålesund", "Møre og Romsdal"}, {"Tromsø", "Troms"}, {"Bærum", "Akershus"},
       {"Sørum", "Viken"}),
     "####", 0, "########", "9#######", "FN", "###########"},
    {"TR", "Turkey",
     L("Ömer", "Çağan", "İsmail", "Gökhan", "Şükrü", "Uğur"),
     L("Gülşen", "Şeyma", "Ayşe", "İpek", "Çiğdem", "Özge"),
     L("Çelik", "Öztürk", "Şahin", "Yıldız", "Akgül", "Kılıç"),
     L("Atatürk Sk", "Fatih Sultan Mehmet Cd", "Bağdat Cd", "Necatibey Cd", "Talak Göktepe Cd"),
     P({"İstanbul", "Şanlıurfa"}, {"Eskişehir", "Eskişehir"}, {"Muğla", "Muğla"},
       {"Kırşehir", "Kırşehir"}),
     "#####", 1, "(###)-###-####", "(###)-###-####", "", NULL},
    {"IR", "Iran",
     L("نیما", "آرسین", "محمدطاها", "امیرعلی", "پارسا", "کیان"),
     L("نازنین زهرا", "یاسمین", "ریحانه", "آوا", "فاطمه", "النا"),
     L("کامروا", "محمدی", "کریمی", "رضایی", "موسوی", "سالاری"),
     L("شهید اکبر وصالی", "میدان انقلاب", "پارک ولیعصر", "شهید رحمانی"),
     P({"تهران", "البرز"}, {"اصفهان", "اصفهان"}, {"شیراز", "فارس"}, {"تبریز", "آذربایجان شرقی"}),
     "#####", 1, "0##-########", "09##-###-####", "", NULL},
    {"UA", "Ukraine",
     L("Олександр", "Тарас", "Богдан", "Ярослав", "Святослав", "Єгор"),
     L("Олександра", "Ярина", "Оксана", "Соломія", "Ірина", "Їжачка"),
     L("Шевченко", "Коваленко", "Бондаренко", "Ткачук", "Мельник", "Гнатюк"),
     L("Стрийська", "Хрещатик", "Січових Стрільців", "Соборна", "Шевченка"),
     P({"Київ", "Київська"}, {"Львів", "Львівська"}, {"Харків", "Харківська"},
       {"Одеса", "Одеська"}),
     "#####", 1, "(0##) L##-####", "(0##) L##-####", "", NULL},
    {NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL},
};

int randomuser_nat_find(const char *z, int n) {
  if(n != 2) return -1;
  for(int i = 0; randomuser_aNat[i].zCode; i++) {
    if(toupper((unsigned char)z[0]) == randomuser_aNat[i].zCode[0] &&
       toupper((unsigned char)z[1]) == randomuser_aNat[i].zCode[1])
      return i;
  }
  return -1;
}

int randomuser_nat_count(void) {
  int n = 0;
  while(randomuser_aNat[n].zCode) n++;
  return n;
}

const char *const randomuser_azAdjective[] = {
    "yellow", "silver", "big", "organic", "orange", "purple", "crazy", "tiny", "heavy", "lazy",
    "happy", "sad", "angry", "brown", "white", "black", "red", "blue", "green", "beautiful", NULL};
const char *const randomuser_azAnimal[] = {
    "peacock", "swan", "bird", "gorilla", "fish", "rabbit", "cat", "dog", "lion", "tiger",
    "elephant", "koala", "panda", "ladybug", "butterfly", "frog", "goose", "wolf", "bear", NULL};
const char *const randomuser_azPassword[] = {
    "addison", "firewall", "spanky", "tootsie", "vikings", "sandiego", "stimpy", "dragon",
    "qwerty", "letmein", "sunshine", "monkey", "shadow", "master", "password1", NULL};

const randomuser_tz randomuser_aTz[] = {
    {"-12:00", "Eniwetok, Kwajalein"},
    {"-8:00", "Pacific Time (US & Canada)"},
    {"-5:00", "Eastern Time (US & Canada), Bogota, Lima"},
    {"-3:30", "Newfoundland"},
    {"0:00", "Western Europe Time, London, Lisbon, Casablanca"},
    {"+1:00", "Brussels, Copenhagen, Madrid, Paris"},
    {"+2:00", "Kaliningrad, South Africa"},
    {"+3:00", "Baghdad, Riyadh, Moscow, St. Petersburg"},
    {"+3:30", "Tehran"},
    {"+5:45", "Kathmandu"},
    {"+9:30", "Adelaide, Darwin"},
    {"+12:00", "Auckland, Wellington, Fiji, Kamchatka"},
    {NULL, NULL},
};
